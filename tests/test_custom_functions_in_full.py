"""snippets/custom-functions-in-full/: several inputs, needs_input_grad, once_differentiable,
mark_non_differentiable, torch.func and setup_context, and when a Function is (not) needed.

Every expected value comes from a formula written here, finite differences, gradcheck or torch's own
operations; each behaviour the page states is redone here from scratch.
"""

import math

import pytest
import torch
from helpers import line_with, snippet_namespace, snippet_output, snippet_path, snippet_result, tensor_values
from torch.autograd.gradcheck import GradcheckError

SNIP = "custom-functions-in-full/"


def namespace_before_last_line(relative):
    """Globals of a snippet that raises on its last line, run without that line (to reach its classes)."""
    lines = snippet_path(relative).read_text().rstrip("\n").splitlines()
    namespace = {"__name__": "__main__"}
    exec(compile("\n".join(lines[:-1]), str(snippet_path(relative)), "exec"), namespace)
    return namespace


def f64(values):
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


# --- several inputs -----------------------------------------------------------------------------


def test_too_few_gradients_raises():
    result = snippet_result(SNIP + "too_few_gradients.py")
    assert result.error.type == "RuntimeError"
    assert "returned an incorrect number of gradients (expected 2, got 1)" in result.error.message
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        snippet_namespace(SNIP + "too_few_gradients.py")


def test_returning_none_for_the_float_fixes_too_few_gradients():
    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(x, scale):
            return scale * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.scale = inputs[1]

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.scale, None

    x = torch.tensor(3.0, requires_grad=True)
    Scale.apply(x, 2.0).backward()
    assert x.grad.item() == 2.0


def test_two_inputs_one_gradient_each():
    out = snippet_output(SNIP + "two_inputs.py")
    x, y, s = 3.0, 0.5, 2.0
    assert "grad_fn=<ScaledMulSinBackward>" in line_with(out, "z = 2 * x * sin(y):")
    assert tensor_values(line_with(out, "z = 2 * x * sin(y):")) == [pytest.approx(s * x * math.sin(y), abs=1e-4)]
    assert tensor_values(line_with(out, "dz/dx = 2 sin(y):")) == [pytest.approx(s * math.sin(y), abs=1e-4)]
    assert tensor_values(line_with(out, "dz/dy = 2x cos(y):")) == [pytest.approx(s * x * math.cos(y), abs=1e-4)]


@pytest.mark.parametrize("snippet", ["two_inputs.py", "needs_input_grad.py"])
def test_scaled_mul_sin_passes_gradcheck_and_gradgradcheck(snippet):
    fn = snippet_namespace(SNIP + snippet)["ScaledMulSin"]
    x = f64([-1.5, 0.3, 2.0])
    y = f64([0.4, -2.0, 1.1])
    assert torch.autograd.gradcheck(lambda a, b: fn.apply(a, b, 2.5), (x, y))
    assert torch.autograd.gradgradcheck(lambda a, b: fn.apply(a, b, 2.5), (x, y))


def test_needs_input_grad_reflects_which_inputs_require_grad():
    out = snippet_output(SNIP + "needs_input_grad.py")
    assert line_with(out, "needs_input_grad:") == "needs_input_grad: (True, False, False)"
    assert tensor_values(line_with(out, "x.grad:")) == [pytest.approx(2 * math.sin(0.5), abs=1e-4)]
    assert line_with(out, "y.grad:") == "y.grad: None"
    # independently: record needs_input_grad for each combination of requires_grad
    seen = []

    class Record(torch.autograd.Function):
        @staticmethod
        def forward(x, y, scale):
            return scale * x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, grad_output):
            seen.append(ctx.needs_input_grad)
            return grad_output, grad_output, None

    for rx, ry in [(True, True), (True, False), (False, True)]:
        a = torch.tensor(1.0, requires_grad=rx)
        b = torch.tensor(1.0, requires_grad=ry)
        Record.apply(a, b, 2.0).backward()
    assert seen == [(True, True, False), (True, False, False), (False, True, False)]


# --- once_differentiable -------------------------------------------------------------------------


def test_numpy_backward_gives_a_silently_wrong_second_derivative():
    out = snippet_output(SNIP + "numpy_backward_silently_wrong.py")
    x = 1.0
    first = 2 * math.sin(x) * math.cos(x)
    second = 2 * math.cos(x) ** 2 - 2 * math.sin(x) ** 2
    assert tensor_values(line_with(out, "dz/dx:")) == [pytest.approx(first, abs=1e-4)]
    assert tensor_values(line_with(out, "by hand, 2 sin cos:")) == [pytest.approx(first, abs=1e-4)]
    assert tensor_values(line_with(out, "by hand, 2cos^2 - 2sin^2:")) == [pytest.approx(second, abs=1e-4)]
    printed = tensor_values(line_with(out, "d2z/dx2:"))
    assert printed != [pytest.approx(second, abs=1e-2)]  # wrong, and no error said so
    assert printed == [pytest.approx(2 * math.cos(x) ** 2, abs=1e-4)]  # the term from cos x is missing


def test_numpy_sin_passes_gradcheck_but_fails_gradgradcheck():
    fn = snippet_namespace(SNIP + "numpy_backward_silently_wrong.py")["NumpySin"]
    x = f64([-1.0, 0.3, 2.0])
    assert torch.autograd.gradcheck(fn.apply, (x,))
    # gradgradcheck through z = sin(x)**2, where the second derivative needs d(cos x)/dx
    assert not torch.autograd.gradgradcheck(lambda t: fn.apply(t) ** 2, (x,), raise_exception=False)


def test_once_differentiable_double_backward_raises():
    result = snippet_result(SNIP + "once_differentiable_raises.py")
    assert result.error.type == "RuntimeError"
    assert result.error.message == (
        "trying to differentiate twice a function that was marked with @once_differentiable"
    )
    first = 2 * math.sin(1.0) * math.cos(1.0)
    assert tensor_values(line_with(result.stdout, "dz/dx:")) == [pytest.approx(first, abs=1e-4)]
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        snippet_namespace(SNIP + "once_differentiable_raises.py")


def test_once_differentiable_passes_gradcheck_and_fails_gradgradcheck():
    assert snippet_path(SNIP + "once_differentiable_raises.py").read_text().rstrip().endswith("dz.backward()")
    fn = namespace_before_last_line(SNIP + "once_differentiable_raises.py")["NumpySin"]
    x = f64([-1.0, 0.3, 2.0])
    assert torch.autograd.gradcheck(fn.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        torch.autograd.gradgradcheck(lambda t: fn.apply(t) ** 2, (x,))
    assert not torch.autograd.gradgradcheck(fn.apply, (x,), raise_exception=False)


# --- mark_non_differentiable ---------------------------------------------------------------------


def test_sort_indices_carry_no_gradient_and_values_do():
    out = snippet_output(SNIP + "sort_indices.py")
    x = torch.tensor([3.0, 1.0, 2.0])
    w = torch.tensor([1.0, 10.0, 100.0])
    assert tensor_values(line_with(out, "values:")) == sorted(x.tolist())
    assert "grad_fn=<SortBackward>" in line_with(out, "values:")
    assert tensor_values(line_with(out, "indices:")) == [1.0, 2.0, 0.0]  # where 1, 2, 3 sat in x
    assert line_with(out, "indices.requires_grad:") == "indices.requires_grad: False"
    assert tensor_values(line_with(out, "grad for indices:")) == [0.0, 0.0, 0.0]
    # x.grad by hand: the weight of the k-th smallest value goes to its position in x
    expected = [0.0] * 3
    for weight, position in zip(w.tolist(), [1, 2, 0]):
        expected[position] = weight
    assert tensor_values(line_with(out, "x.grad:")) == expected
    # and by a second route: torch.sort's own backward
    xt = x.clone().requires_grad_()
    (w * torch.sort(xt).values).sum().backward()
    assert xt.grad.tolist() == expected


def test_sort_passes_gradcheck_and_gradgradcheck():
    fn = snippet_namespace(SNIP + "sort_indices.py")["Sort"]
    x = f64([0.3, -1.2, 2.5, 0.9])
    assert torch.autograd.gradcheck(fn.apply, (x,))
    assert torch.autograd.gradgradcheck(fn.apply, (x,))
    values, indices = fn.apply(x)
    assert values.requires_grad and not indices.requires_grad


def test_integers_are_never_tracked_and_the_mark_matters_for_floats():
    out = snippet_output(SNIP + "mark_float_output.py")
    assert line_with(out, "argmax(x).requires_grad:").endswith(" False")
    assert line_with(out, "unmarked mask.requires_grad:").endswith(" True")
    assert line_with(out, "marked mask.requires_grad:").endswith(" False")
    # independently
    x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    assert not torch.argmax(x).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2]).requires_grad_()
    ns = snippet_namespace(SNIP + "mark_float_output.py")
    assert ns["MaxMask"].apply(x)[1].requires_grad
    assert not ns["MarkedMaxMask"].apply(x)[1].requires_grad


@pytest.mark.parametrize("name", ["MaxMask", "MarkedMaxMask"])
def test_max_mask_passes_gradcheck_and_gradgradcheck(name):
    fn = snippet_namespace(SNIP + "mark_float_output.py")[name]
    x = f64([0.3, -1.2, 2.5, 0.9])
    assert torch.autograd.gradcheck(fn.apply, (x,))
    assert torch.autograd.gradgradcheck(fn.apply, (x,))


# --- torch.func ----------------------------------------------------------------------------------

SETUP_CONTEXT_MESSAGE = (
    "In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, ...), "
    "it must override the setup_context staticmethod."
)


def test_func_grad_over_the_old_form_raises():
    result = snippet_result(SNIP + "func_grad_old_form.py")
    assert result.error.type == "RuntimeError"
    assert result.error.message.startswith(SETUP_CONTEXT_MESSAGE)
    with pytest.raises(RuntimeError, match="must override the setup_context staticmethod"):
        snippet_namespace(SNIP + "func_grad_old_form.py")


def test_old_form_cube_still_works_with_backward_and_passes_gradcheck():
    rel = SNIP + "func_grad_old_form.py"
    assert snippet_path(rel).read_text().rstrip().endswith("torch.func.grad(Cube.apply)(x)")
    cube = namespace_before_last_line(rel)["Cube"]
    x = f64([-1.0, 0.5, 3.0])
    assert torch.autograd.gradcheck(cube.apply, (x,))
    assert torch.autograd.gradgradcheck(cube.apply, (x,))
    x = torch.tensor(2.0, requires_grad=True)
    cube.apply(x).backward()
    assert x.grad.item() == 3 * 2.0**2


def test_func_grad_over_setup_context_matches_3x_squared():
    out = snippet_output(SNIP + "func_grad_setup_context.py")
    assert tensor_values(line_with(out, "grad(Cube)(2):")) == [3 * 2.0**2]
    xs = [-1.0, 0.5, 3.0]
    assert tensor_values(line_with(out, "vmap(grad(Cube))(xs):")) == [3 * x**2 for x in xs]


def test_setup_context_cube_passes_gradcheck_and_gradgradcheck():
    cube = snippet_namespace(SNIP + "func_grad_setup_context.py")["Cube"]
    x = f64([-1.0, 0.5, 3.0])
    assert torch.autograd.gradcheck(cube.apply, (x,))
    assert torch.autograd.gradgradcheck(cube.apply, (x,))


def test_generate_vmap_rule_is_what_lets_vmap_batch_the_function():
    class Cube(torch.autograd.Function):  # no generate_vmap_rule
        @staticmethod
        def forward(x):
            return x**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

    assert torch.func.grad(Cube.apply)(torch.tensor(2.0)).item() == 12.0
    with pytest.raises(RuntimeError, match="generate_vmap_rule=True"):
        torch.func.vmap(torch.func.grad(Cube.apply))(torch.tensor([1.0, 2.0]))


# --- when not to write a Function ----------------------------------------------------------------


def test_autograd_differentiates_softplus_composition_as_sigmoid():
    out = snippet_output(SNIP + "composition_needs_no_function.py")
    xs = [-2.0, 0.0, 3.0]
    sigmoid = [1 / (1 + math.exp(-x)) for x in xs]
    assert tensor_values(line_with(out, "autograd:")) == [pytest.approx(s, abs=1e-4) for s in sigmoid]
    assert tensor_values(line_with(out, "sigmoid(x):")) == [pytest.approx(s, abs=1e-4) for s in sigmoid]


def test_stable_softplus_where_naive_and_where_fail():
    out = snippet_output(SNIP + "stable_softplus.py")
    # by hand at x = 100 in float32: exp(100) overflows (float32 max is about 3.4e38)
    assert math.exp(100) > torch.finfo(torch.float32).max
    # log(1 + inf) = inf, and its gradient 1/inf * inf = 0 * inf = nan
    assert line_with(out, "naive:") == "naive: tensor([inf]) tensor([nan])"
    # where picks x = 100 for the value, but the gradient of the unused branch is nan (next test)
    assert line_with(out, "where:") == "where: tensor([100.]) tensor([nan])"
    # softplus(100) = 100 + log1p(exp(-100)) and sigmoid(100) are 100 and 1 to float32 precision
    true_value = 100 + math.log1p(math.exp(-100))
    true_grad = 1 / (1 + math.exp(-100))
    assert tensor_values(line_with(out, "Softplus:")) == [pytest.approx(true_value), pytest.approx(true_grad)]
    # the torch-only rewrite that keeps exp's input small is right too
    assert tensor_values(line_with(out, "clamped:")) == [pytest.approx(true_value), pytest.approx(true_grad)]
    assert tensor_values(line_with(out, "F.softplus:")) == [pytest.approx(true_value), pytest.approx(true_grad)]


def test_where_propagates_nan_from_the_unused_branch():
    # the mechanism the page names: the unused branch's gradient is 0 * exp(100) = 0 * inf
    x = torch.tensor([100.0], requires_grad=True)
    small = torch.log1p(torch.exp(x))
    torch.where(x > 20, x, small).backward()
    assert torch.isnan(x.grad).all()
    assert torch.isnan(torch.tensor(0.0) * torch.tensor(math.inf))


def test_stable_softplus_passes_gradcheck_and_gradgradcheck():
    fn = snippet_namespace(SNIP + "stable_softplus.py")["Softplus"]
    x = f64([-3.0, 0.0, 2.5, 25.0])  # away from the switch at 20
    assert torch.autograd.gradcheck(fn.apply, (x,))
    assert torch.autograd.gradgradcheck(fn.apply, (x,))
    assert torch.allclose(fn.apply(x), torch.nn.functional.softplus(x))


def test_clamped_rewrite_matches_softplus_value_and_sigmoid_gradient_everywhere():
    clamped = snippet_namespace(SNIP + "stable_softplus.py")["clamped"]
    # float32, including points far past the switch at 20 where exp would overflow
    x = torch.tensor([-30.0, -2.0, 0.0, 3.0, 19.0, 21.0, 100.0, 1000.0], requires_grad=True)
    y = clamped(x)
    y.sum().backward()
    expected_value = [max(t, 0.0) + math.log1p(math.exp(-abs(t))) for t in x.tolist()]
    expected_grad = [1 / (1 + math.exp(-t)) if t > -700 else 0.0 for t in x.tolist()]
    assert torch.allclose(y.detach(), torch.tensor(expected_value), rtol=1e-6, atol=1e-6)
    assert torch.allclose(x.grad, torch.tensor(expected_grad), rtol=1e-6, atol=1e-6)


# --- behaviours the page states in passing, redone here -----------------------------------------


def test_save_for_backward_refuses_a_float():
    # the page: save_for_backward is for tensors, so the float goes on ctx as an attribute
    class SaveFloat(torch.autograd.Function):
        @staticmethod
        def forward(x, scale):
            return scale * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[1])

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, None

    with pytest.raises(TypeError, match="can only save variables"):
        SaveFloat.apply(torch.tensor(1.0, requires_grad=True), 2.0)


def test_needs_input_grad_is_set_when_forward_runs():
    # requires_grad at forward time decides it, not which inputs a later backward call asks for
    seen = []

    class Record(torch.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, grad_output):
            seen.append(ctx.needs_input_grad)
            x, y = ctx.saved_tensors
            return grad_output * y, grad_output * x

    x = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(2.0, requires_grad=True)
    torch.autograd.grad(Record.apply(x, y), [x])
    assert seen == [(True, True)]


def test_a_gradient_for_an_input_without_requires_grad_is_dropped():
    # the page: had backward computed the gradient for the constant y, autograd would drop it
    class AlwaysBoth(torch.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * torch.sin(y)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, grad_output):
            x, y = ctx.saved_tensors
            return grad_output * torch.sin(y), grad_output * x * torch.cos(y)

    x = torch.tensor(3.0, requires_grad=True)
    y = torch.tensor(0.5)
    AlwaysBoth.apply(x, y).backward()
    assert y.grad is None
    assert x.grad.item() == pytest.approx(math.sin(0.5))


def test_an_unmarked_integer_output_of_a_function_is_not_tracked_either():
    # the page: for integer indices the mark only states intent
    class UnmarkedSort(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return torch.sort(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output[1])

        @staticmethod
        def backward(ctx, grad_values, grad_idx):
            (indices,) = ctx.saved_tensors
            grad_x = torch.zeros_like(grad_values)
            grad_x[indices] = grad_values
            return grad_x

    x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = UnmarkedSort.apply(x)
    assert values.requires_grad
    assert not indices.requires_grad and indices.grad_fn is None
    marked = snippet_namespace(SNIP + "sort_indices.py")["Sort"]
    assert marked.apply(x)[1].requires_grad == indices.requires_grad


@pytest.mark.parametrize(
    ("transform", "point"),
    [("grad", torch.tensor(2.0)), ("vmap", torch.tensor([1.0, 2.0])), ("jacrev", torch.tensor([1.0, 2.0]))],
)
def test_torch_func_transforms_refuse_the_old_form(transform, point):
    # the page: torch.func transforms need the setup_context form (not only grad)
    cube = namespace_before_last_line(SNIP + "func_grad_old_form.py")["Cube"]
    with pytest.raises(RuntimeError, match="must override the setup_context staticmethod"):
        getattr(torch.func, transform)(cube.apply)(point)


def _nodes(root):
    """Every node reachable from a grad_fn."""
    seen, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is None or any(node is s for s in seen):
            continue
        seen.append(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return seen


def test_once_differentiable_runs_backward_without_grad_and_cuts_dz_off_from_x():
    from torch.autograd.function import once_differentiable

    grad_mode = []

    class TorchSin(torch.autograd.Function):  # a backward of torch operations, decorated anyway
        @staticmethod
        def forward(x):
            return torch.sin(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        @once_differentiable
        def backward(ctx, grad_output):
            grad_mode.append(torch.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return grad_output * torch.cos(x)

    x = torch.tensor([1.0], requires_grad=True)
    (dz,) = torch.autograd.grad(TorchSin.apply(x) ** 2, x, create_graph=True)
    assert grad_mode == [False]  # autograd was off inside backward, even with create_graph=True
    assert dz.grad_fn.name() == "torch::autograd::Error"
    accumulate_x = [n for n in _nodes(dz.grad_fn) if getattr(n, "variable", None) is x]
    assert accumulate_x == []  # no path from dz back to x
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad(dz, x)
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        dz.backward()


def test_once_differentiable_through_autograd_grad_raises_a_different_message():
    result = snippet_result(SNIP + "once_differentiable_autograd_grad.py")
    assert line_with(result.stdout, "dz.grad_fn.name():") == "dz.grad_fn.name(): torch::autograd::Error"
    assert result.error.type == "RuntimeError"
    assert "appears to not have been used in the graph" in result.error.message
    assert "once_differentiable" not in result.error.message
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        snippet_namespace(SNIP + "once_differentiable_autograd_grad.py")
    fn = namespace_before_last_line(SNIP + "once_differentiable_autograd_grad.py")["NumpySin"]
    assert torch.autograd.gradcheck(fn.apply, (f64([-1.0, 0.3, 2.0]),))
