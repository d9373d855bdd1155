"""snippets/custom-functions/: SQ against the chain rule, CumSum's vector-Jacobian product, gradcheck,
and the common mistake of a backward that ignores grad_output."""

import warnings

import pytest
import torch
from helpers import central_difference, line_with, snippet_namespace, snippet_output, snippet_result, tensor_values
from torch.autograd.gradcheck import GradcheckError

SNIP = "custom-functions/"


def square(x):
    return x**2


def d_square(x):
    return 2 * x


def three_square(x):
    return 3 * x**2


def d_three_square(x):
    return 6 * x


@pytest.mark.parametrize("snippet", [SNIP + "sq_function.py", SNIP + "sq_setup_context.py"])
def test_sq_value_and_derivative(snippet):
    out = snippet_output(snippet)
    x = 2.0
    assert tensor_values(line_with(out, "y = SQ(x) at x = 2:")) == [square(x)]
    assert "grad_fn=<SQBackward>" in line_with(out, "y = SQ(x) at x = 2:")
    printed = tensor_values(line_with(out, "dy/dx at x = 2:"))
    assert printed == [d_square(x)]
    assert printed[0] == pytest.approx(central_difference(square, x), rel=1e-5)


def test_sq_function_names_its_node():
    assert line_with(snippet_output(SNIP + "sq_function.py"), "y.grad_fn.name():") == "y.grad_fn.name(): SQBackward"


def test_apply_adds_the_node_and_forward_alone_does_not():
    sq = snippet_namespace(SNIP + "sq_setup_context.py")["SQ"]
    x = torch.tensor(2.0, requires_grad=True)
    assert sq.apply(x).grad_fn.name() == "SQBackward"
    assert sq.forward(x).grad_fn.name() == "PowBackward0"  # torch's own x**2, not SQ's node


def test_sq_chain_rule_grad_output_is_dz_dy():
    out = snippet_output(SNIP + "sq_chain_rule.py")
    x = 2.0
    assert tensor_values(line_with(out, "z = 3 * SQ(x) at x = 2:")) == [three_square(x)]
    assert tensor_values(line_with(out, "grad_output:")) == [3.0]  # dz/dy for z = 3y
    printed = tensor_values(line_with(out, "dz/dx at x = 2:"))
    assert printed == [d_three_square(x)]
    assert printed[0] == pytest.approx(central_difference(three_square, x), rel=1e-5)


def test_grad_output_is_the_gradient_passed_to_backward_and_backward_returns_vjp():
    out = snippet_output(SNIP + "cumsum_vjp.py")
    x = torch.tensor([1.0, 2.0, 3.0])
    v = torch.tensor([1.0, 10.0, 100.0])
    jacobian = torch.tril(torch.ones(3, 3))  # J_ij = dy_i/dx_j = 1 for j <= i
    assert tensor_values(line_with(out, "y:")) == (jacobian @ x).tolist()
    assert "grad_fn=<CumSumBackward>" in line_with(out, "y:")
    assert tensor_values(line_with(out, "grad_output:")) == v.tolist()
    assert tensor_values(line_with(out, "x.grad:")) == (v @ jacobian).tolist()
    # a second route: autograd's own Jacobian of torch.cumsum
    auto = torch.autograd.functional.jacobian(lambda t: torch.cumsum(t, 0), x)
    assert torch.equal(auto, jacobian)


def test_grad_output_is_v_for_any_function():
    # independently of the snippet: record what backward receives from y.backward(v)
    received = []

    class Record(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad_output):
            received.append(grad_output.clone())
            return 2 * grad_output

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    v = torch.tensor([0.5, -3.0])
    Record.apply(x).backward(v)
    assert torch.equal(received[0], v)


@pytest.mark.parametrize("snippet", [SNIP + "cumsum_vjp.py", SNIP + "cumsum_gradcheck.py"])
def test_cumsum_passes_gradcheck_and_gradgradcheck(snippet):
    cumsum = snippet_namespace(snippet)["CumSum"]
    x = torch.tensor([0.3, -1.2, 2.5, 0.9], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(cumsum.apply, (x,))
    assert torch.autograd.gradgradcheck(cumsum.apply, (x,))
    assert torch.allclose(cumsum.apply(x), torch.cumsum(x, 0))


def test_cumsum_gradcheck_prints_true():
    assert line_with(snippet_output(SNIP + "cumsum_gradcheck.py"), "gradcheck passes:") == "gradcheck passes: True"


def test_sq_gradcheck_float64_passes_and_float32_fails():
    out = snippet_output(SNIP + "sq_gradcheck.py")
    assert line_with(out, "float64, gradcheck passes:") == "float64, gradcheck passes: True"
    assert line_with(out, "float64, gradgradcheck passes:") == "float64, gradgradcheck passes: True"
    assert line_with(out, "float32, gradcheck passes:") == "float32, gradcheck passes: False"
    # independently: torch's own x**2, certainly correct, also fails gradcheck in float32, with a warning
    x32 = torch.tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        assert torch.autograd.gradcheck(lambda t: t**2, (x32,), raise_exception=False) is False


@pytest.mark.parametrize(
    "snippet",
    [SNIP + "sq_function.py", SNIP + "sq_chain_rule.py", SNIP + "sq_setup_context.py", SNIP + "sq_gradcheck.py"],
)
def test_every_correct_sq_passes_gradcheck_and_gradgradcheck(snippet):
    sq = snippet_namespace(snippet)["SQ"]
    x = torch.tensor([-1.5, -0.3, 0.0, 0.7, 2.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(sq.apply, (x,))
    assert torch.autograd.gradgradcheck(sq.apply, (x,))
    # and it agrees with torch's own x**2 under a non-trivial grad_output
    weights = torch.linspace(-2, 3, 5, dtype=torch.float64)
    (grad,) = torch.autograd.grad(sq.apply(x), x, weights)
    assert torch.allclose(grad, weights * d_square(x.detach()))


def test_backward_ignoring_grad_output_gives_wrong_chain_rule():
    out = snippet_output(SNIP + "wrong_backward.py")
    x = 2.0
    wrong = tensor_values(line_with(out, "WrongSQ, dz/dx at x = 2:"))
    right = tensor_values(line_with(out, "3 * x**2, dz/dx at x = 2:"))
    assert wrong == [d_square(x)]  # grad_output (3) was dropped
    assert right == [d_three_square(x)]
    assert right[0] == pytest.approx(central_difference(three_square, x), rel=1e-5)
    assert wrong[0] != pytest.approx(central_difference(three_square, x), rel=1e-2)


def test_ignoring_grad_output_is_harmless_when_the_function_is_last():
    wrong = snippet_namespace(SNIP + "wrong_backward.py")["WrongSQ"]
    x = torch.tensor(2.0, requires_grad=True)
    wrong.apply(x).backward()
    assert x.grad.item() == d_square(2.0)


def test_wrong_gradcheck_returns_false_then_raises_naming_the_mistake():
    result = snippet_result(SNIP + "wrong_gradcheck.py")
    assert line_with(result.stdout, "gradcheck passes:") == "gradcheck passes: False"
    assert result.error.type == "GradcheckError"
    assert "backward not multiplied by grad_output" in result.error.message
    with pytest.raises(GradcheckError, match="backward not multiplied by grad_output"):
        snippet_namespace(SNIP + "wrong_gradcheck.py")


def test_wrong_sq_fails_gradcheck():
    wrong = snippet_namespace(SNIP + "wrong_backward.py")["WrongSQ"]
    x = torch.tensor([-1.5, 0.7, 2.0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch.autograd.gradcheck(wrong.apply, (x,), raise_exception=False) is False


def test_zero_grad_output_exposes_the_wrong_backward():
    out = snippet_output(SNIP + "zero_grad_output.py")
    x = 2.0
    # with grad_output = 0 the chain rule gives 0 * 2x = 0; WrongSQ returns 2x regardless
    assert tensor_values(line_with(out, "WrongSQ, grad for grad_output 0:")) == [d_square(x)]
    assert tensor_values(line_with(out, "x**2, grad for grad_output 0:")) == [0.0 * d_square(x)]


def test_forward_and_backward_receive_the_same_fresh_ctx():
    # the page: ctx is a fresh object per call, handed to both forward and backward
    seen = []

    class Keep(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(("forward", ctx))
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad_output):
            seen.append(("backward", ctx))
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x

    x = torch.tensor(2.0, requires_grad=True)
    Keep.apply(x).backward()
    Keep.apply(x).backward()
    (_, f1), (_, b1), (_, f2), (_, b2) = seen
    assert f1 is b1 and f2 is b2
    assert f1 is not f2


def test_backward_with_zero_v_gives_zero_for_a_correct_backward():
    # independently of the snippet: the chain rule gives 0 * 2x = 0 for every x
    sq = snippet_namespace(SNIP + "sq_function.py")["SQ"]
    wrong = snippet_namespace(SNIP + "zero_grad_output.py")["WrongSQ"]
    x = torch.tensor([-1.5, 0.7, 2.0], requires_grad=True)
    y = sq.apply(x)
    y.backward(torch.zeros_like(y))
    assert torch.equal(x.grad, torch.zeros(3))
    x.grad = None
    y = wrong.apply(x)
    y.backward(torch.zeros_like(y))
    assert torch.equal(x.grad, 2 * x.detach())


# ---- watch_backward.py: the record behind the stepper of "Watch grad_output arrive" ----------------

import contextlib  # noqa: E402
import io  # noqa: E402

from widget_records import parse_backward, runs_after_its_senders, watch_with_prehooks  # noqa: E402

WATCH = "custom-functions/watch_backward.py"


def test_watch_backward_grad_output_arrives_at_sqbackward():
    out = snippet_output(WATCH)
    record = parse_backward(out)
    x = 2.0
    assert [(n.id, n.name, n.next) for n in record.nodes] == [
        ("n1", "MulBackward0", ["n2", "-"]),  # z = 3 * SQ(x): the constant 3 gets no gradient
        ("n2", "SQBackward", ["n3"]),
        ("n3", "AccumulateGrad (x)", []),
    ]
    # By hand: dz/dz = 1; the multiplication by 3 sends 3, the grad_output of SQ's backward, which
    # returns grad_output * 2x; x.grad = 3 * 2x = 6x.
    expected = {"n1": ([1.0], [3.0, None]), "n2": ([3.0], [3.0 * 2 * x]), "n3": ([6 * x], [])}
    assert [step.node for step in record.steps] == ["n1", "n2", "n3"]  # a chain: one possible order
    assert runs_after_its_senders([step.node for step in record.steps], record.edges())
    for step in record.steps:
        assert (step.received, step.sent) == expected[step.node], step
    assert record.step_of("n3").leaf == ("x", 6 * x)
    # backward's own print shows the same grad_output.
    assert tensor_values(line_with(out, "grad_output:")) == [3.0]
    assert tensor_values(line_with(out, "x.grad:")) == [6 * x]
    assert 6 * x == pytest.approx(central_difference(lambda t: 3 * t**2, x), rel=1e-6)


def test_watch_backward_sq_passes_gradcheck():
    ns = snippet_namespace("custom-functions/watch_backward.py")
    SQ = ns["SQ"]
    x = torch.tensor([0.7, -1.3], dtype=torch.float64, requires_grad=True)
    with contextlib.redirect_stdout(io.StringIO()):  # its backward prints each grad_output
        assert torch.autograd.gradcheck(SQ.apply, (x,))
        assert torch.autograd.gradgradcheck(SQ.apply, (x,))
        # Pre-hooks on a graph built here see the same order as the snippet's hooks.
        t = torch.tensor(2.0, requires_grad=True)
        nodes, _, ran = watch_with_prehooks(3 * SQ.apply(t))
    assert [nodes[i].name() for i in ran][:2] == ["MulBackward0", "SQBackward"]
