"""snippets/when-backward-fails/: each failure reproduced here on its own, and each fix checked by calculus.

Every raising snippet is checked twice: its recorded error (type and message, as the page shows it) and
the same operations redone in the test under pytest.raises, so the behaviour does not rest on the
snippet alone. Fixed values come from derivatives worked out here.
"""

import math
import re
import warnings

import pytest
import torch
from helpers import (
    central_difference,
    line_with,
    snippet_namespace,
    snippet_output,
    snippet_path,
    snippet_result,
    tensor_values,
)

SECOND_TIME = r"Trying to backward through the graph a second time"
FREED = r"Saved intermediate values of the graph are freed when you call \.backward\(\)"
IN_PLACE = r"modified by an inplace operation"
VERSIONS = r"is at version 1; expected version 0 instead"
INTEGER = r"Only Tensors of floating point and complex dtype can require gradients"
NON_LEAF = r"\.grad attribute of a Tensor that is not a leaf Tensor is being accessed"
NON_SCALAR = r"grad can be implicitly created only for scalar outputs"
LEAF_IN_PLACE = r"a leaf Variable that requires grad is being used in an in-place operation"


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def d_sigmoid(x):
    return sigmoid(x) * (1 - sigmoid(x))


def recorded_error(name, type_name, pattern):
    """The error the site's runner recorded for a raising snippet, and the output printed before it."""
    result = snippet_result(name)
    assert result.error is not None, f"{name} did not raise"
    assert result.error.type == type_name
    assert re.search(pattern, result.error.message), result.error.message
    assert result.error.last_line.startswith(f"{type_name}: ")
    return result


def values(name, label):
    return tensor_values(line_with(snippet_output(name), label))


# --- Backward through the graph a second time -------------------------------------------------------


def test_pow_saves_its_input_and_backward_frees_it():
    x = torch.tensor(3.0, requires_grad=True)
    y = x**2
    assert y.grad_fn.name() == "PowBackward0"
    assert torch.equal(y.grad_fn._saved_self, x)  # what x**2 keeps for its backward, 2 * x
    y.backward()
    with pytest.raises(RuntimeError, match="after they have already been freed"):
        y.grad_fn._saved_self


def test_graph_built_before_the_loop_raises_in_step_2():
    result = recorded_error("when-backward-fails/graph_outside_loop.py", "RuntimeError", SECOND_TIME)
    # step 1 runs and prints d(3x^2)/dx = 6x at x = 2; step 2 raises before printing
    assert tensor_values(line_with(result.stdout, "step 1, x.grad:")) == [6 * 2.0]
    assert "step 2" not in result.stdout
    # the message gives the reason and names retain_graph=True
    assert re.search(FREED, result.error.message)
    assert "retain_graph=True" in result.error.message
    x = torch.tensor(2.0, requires_grad=True)
    s = x**2
    (3 * s).backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        (3 * s).backward()  # a new y, but s's saved x was freed by the first pass


def test_retain_graph_also_lets_the_second_step_run():
    x = torch.tensor(2.0, requires_grad=True)
    s = x**2
    (3 * s).backward(retain_graph=True)
    x.grad = None
    (3 * s).backward()
    assert x.grad.item() == 6 * 2.0


def test_graph_rebuilt_each_step_gives_the_derivative_every_step():
    expected = 6 * 2.0  # d(3x^2)/dx at x = 2
    assert expected == pytest.approx(central_difference(lambda t: 3 * t**2, 2.0), rel=1e-5)
    for step in (1, 2):
        assert values("when-backward-fails/graph_inside_loop.py", f"step {step}, x.grad:") == [expected]


# --- A saved tensor changed in place ---------------------------------------------------------------


def test_in_place_change_of_a_saved_tensor_raises_with_versions():
    result = recorded_error("when-backward-fails/inplace_saved.py", "RuntimeError", IN_PLACE)
    assert VERSIONS.replace("\\", "") in result.error.message  # the message shows the versions
    assert "[torch.FloatTensor []], which is output 0 of Sigmoid" in result.error.message
    assert tensor_values(line_with(result.stdout, "y = sigmoid(x):")) == [sigmoid(0.0)]
    assert tensor_values(line_with(result.stdout, "y after y.mul_(2):")) == [2 * sigmoid(0.0)]
    # the in-place mul_ was recorded: the leaf-in-place section points at this grad_fn
    assert "grad_fn=<MulBackward0>" in line_with(result.stdout, "y after y.mul_(2):")
    x = torch.tensor(0.0, requires_grad=True)
    y = torch.sigmoid(x)
    y.mul_(2)
    with pytest.raises(RuntimeError, match=rf"{IN_PLACE}.*{VERSIONS}"):
        y.backward()


def test_sigmoid_saves_its_output():
    x = torch.tensor(0.0, requires_grad=True)
    y = torch.sigmoid(x)
    assert y.grad_fn.name() == "SigmoidBackward0"
    assert torch.equal(y.grad_fn._saved_result, y)


def test_each_in_place_operation_raises_the_version_by_one():
    t = torch.zeros(2)
    assert t._version == 0  # internal; the page lets the error message show it instead
    t.mul_(2)
    assert t._version == 1
    t.add_(1)
    assert t._version == 2
    _ = t * 2  # out of place: no change
    assert t._version == 2


def test_a_wrong_slope_is_what_the_check_prevents():
    # the arithmetic on the page: y(1 - y) with the changed y = 1 is 0, the true slope at 0 is 1/4
    changed = 2 * sigmoid(0.0)
    assert changed * (1 - changed) == 0
    assert d_sigmoid(0.0) == 0.25


@pytest.mark.parametrize(
    "name", ["when-backward-fails/inplace_out_of_place.py", "when-backward-fails/inplace_clone.py"]
)
def test_out_of_place_or_clone_fixes_the_in_place_error(name):
    assert values(name, "z = 2 * sigmoid(x):") == [2 * sigmoid(0.0)]
    printed = values(name, "dz/dx at x = 0:")
    assert printed == [2 * d_sigmoid(0.0)]  # 0.5
    assert printed[0] == pytest.approx(central_difference(lambda t: 2 * torch.sigmoid(t), 0.0), rel=1e-5)


def test_an_in_place_operation_is_recorded_outside_no_grad():
    x = torch.tensor(2.0, requires_grad=True)
    copy = x.clone()
    copy.mul_(2)
    assert copy.grad_fn.name() == "MulBackward0"
    with torch.no_grad():
        x.mul_(2)
    assert x.grad_fn is None and x.is_leaf


def test_clone_is_recorded_like_any_operation():
    # unlike x.detach().clone(), which leaves the graph
    ns = snippet_namespace("when-backward-fails/inplace_clone.py")
    z = ns["z"]
    assert z.grad_fn.name() == "MulBackward0"  # the in-place mul_ on the copy
    assert z.grad_fn.next_functions[0][0].name() == "CloneBackward0"
    assert ns["y"].grad_fn.name() == "SigmoidBackward0"  # y itself was never changed
    assert ns["y"].item() == pytest.approx(sigmoid(0.0))
    assert not torch.tensor(0.0, requires_grad=True).sigmoid().detach().clone().requires_grad


def test_in_place_change_of_an_unsaved_tensor_is_fine():
    x = 2.0
    assert values("when-backward-fails/inplace_unsaved.py", "y = 3x + 1:") == [3 * x + 1]
    assert values("when-backward-fails/inplace_unsaved.py", "dy/dx at x = 2:") == [3.0]
    # x * 3 keeps only the constant for its backward: no tensor of ours
    t = torch.tensor(2.0, requires_grad=True)
    node = (t * 3).grad_fn
    assert node._saved_self is None
    assert node._saved_other.item() == 3


# --- requires_grad on an integer tensor ------------------------------------------------------------


def test_requires_grad_on_an_integer_tensor_raises():
    result = recorded_error("when-backward-fails/int_requires_grad.py", "RuntimeError", INTEGER)
    assert line_with(result.stdout, "dtype:") == "dtype: torch.int64"
    # it fails where the tensor is created, before any computation
    source = snippet_path("when-backward-fails/int_requires_grad.py").read_text().splitlines()
    assert source[result.error.lineno - 1] == "x = torch.tensor(2, requires_grad=True)"
    assert torch.tensor(2).dtype == torch.int64
    with pytest.raises(RuntimeError, match=INTEGER):
        torch.tensor(2, requires_grad=True)


def test_complex_tensors_may_require_grad():
    assert torch.tensor(2 + 0j, requires_grad=True).requires_grad


def test_a_float_tensor_fixes_requires_grad():
    out = snippet_output("when-backward-fails/float_requires_grad.py")
    assert line_with(out, "x.dtype:") == "x.dtype: torch.float32"
    assert tensor_values(line_with(out, "dy/dx at x = 2:")) == [2 * 2.0]
    assert line_with(out, "n:") == "n: tensor([0., 1., 2.], requires_grad=True)"
    assert torch.arange(3, dtype=torch.float32).requires_grad_().requires_grad


# --- .grad is None ---------------------------------------------------------------------------------


def test_retain_grad_or_the_leaf_gives_the_gradient_of_an_intermediate_result():
    # the fixes the page points to in Leaves and grad_fn, for a non-leaf read on purpose
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    y.retain_grad()
    (3 * y).backward()
    assert y.grad.item() == 3.0  # z = 3y
    assert x.grad.item() == pytest.approx(central_difference(lambda t: 3 * t**2, 2.0), rel=1e-5)


def test_an_operation_after_requires_grad_makes_a_non_leaf():
    result = snippet_result("when-backward-fails/operation_after_requires_grad.py")
    assert result.error is None
    assert line_with(result.stdout, "w.is_leaf:") == "w.is_leaf: False"
    assert line_with(result.stdout, "w.grad_fn:") == "w.grad_fn: MulBackward0"
    assert line_with(result.stdout, "v.is_leaf:") == "v.is_leaf: False"
    assert line_with(result.stdout, "w.grad:") == "w.grad: None"
    # the warning names the file and line as readers know them, then quotes the code
    assert "snippets/when-backward-fails/operation_after_requires_grad.py:18: UserWarning:" in result.warnings
    assert re.search(NON_LEAF, result.warnings)
    assert result.warnings.rstrip().endswith('print("w.grad:", w.grad)')
    # the same, redone here
    w = torch.randn(3, requires_grad=True) * 0.01
    assert not w.is_leaf
    v = torch.zeros(3, requires_grad=True).to(torch.float64)
    assert not v.is_leaf and v.grad_fn.name() == "ToCopyBackward0"
    with pytest.warns(UserWarning, match=NON_LEAF):
        assert w.grad is None


def test_the_gradient_went_to_the_unnamed_randn_leaf():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the snippet reads w.grad on purpose
        ns = snippet_namespace("when-backward-fails/operation_after_requires_grad.py")
    hidden = ns["w"].grad_fn.next_functions[0][0].variable  # the tensor torch.randn made
    assert hidden.is_leaf and hidden.requires_grad
    # loss = sum(0.01 * r_i * x_i), so d loss / d r_i = 0.01 * x_i
    assert torch.allclose(hidden.grad, 0.01 * torch.tensor([1.0, 2.0, 3.0]))


def test_requires_grad_after_the_operations_gives_a_leaf_with_a_gradient():
    result = snippet_result("when-backward-fails/requires_grad_last.py")
    assert line_with(result.stdout, "w.is_leaf:") == "w.is_leaf: True"
    # loss = sum(w_i * x_i): d loss / d w_i = x_i, whatever w is
    assert tensor_values(line_with(result.stdout, "w.grad:")) == [1.0, 2.0, 3.0]
    assert result.warnings == ""
    scaled = torch.randn(3) * 0.01
    assert scaled.grad_fn is None and scaled.is_leaf  # nothing recorded while nothing requires grad
    assert scaled.requires_grad_() is scaled and scaled.requires_grad


def test_untracked_or_unused_leaves_get_none_silently():
    result = snippet_result("when-backward-fails/silent_none.py")
    assert tensor_values(line_with(result.stdout, "a.grad:")) == [5.0]  # d(ab)/da = b
    assert line_with(result.stdout, "b.grad:") == "b.grad: None"
    assert line_with(result.stdout, "c.grad:") == "c.grad: None"
    assert result.warnings == ""
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(5.0)
    c = torch.tensor(1.0, requires_grad=True)
    (a * b).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        assert b.grad is None and c.grad is None


# --- Forgetting to zero ----------------------------------------------------------------------------


def test_forgetting_to_zero_accumulates_n_times_the_derivative():
    derivative = 2 * 2.0  # d(x^2)/dx at x = 2
    assert derivative == pytest.approx(central_difference(lambda t: t**2, 2.0), rel=1e-5)
    for step in (1, 2, 3):
        assert values("when-backward-fails/forgot_zero.py", f"step {step}, x.grad:") == [step * derivative]


def test_resetting_each_step_gives_the_derivative_each_step():
    out = snippet_output("when-backward-fails/zero_each_step.py")
    assert line_with(out, "before any backward, x.grad:") == "before any backward, x.grad: None"
    for step in (1, 2, 3):
        assert values("when-backward-fails/zero_each_step.py", f"step {step}, x.grad:") == [2 * 2.0]


def test_zero_in_place_works_once_grad_exists_so_after_each_step():
    x = torch.tensor(2.0, requires_grad=True)
    assert x.grad is None
    with pytest.raises(AttributeError):
        x.grad.zero_()  # nothing to zero yet
    seen = []
    for _ in range(3):
        (x**2).backward()
        seen.append(x.grad.item())
        x.grad.zero_()
    assert seen == [2 * 2.0] * 3


# --- backward() on many values; a leaf updated in place ---------------------------------------------


def test_backward_on_many_values_raises():
    recorded_error("when-backward-fails/non_scalar.py", "RuntimeError", NON_SCALAR)
    with pytest.raises(RuntimeError, match=NON_SCALAR):
        (torch.tensor([1.0, 2.0, 3.0], requires_grad=True) ** 2).backward()


def test_sum_gives_each_point_its_derivative():
    x = [1.0, 2.0, 3.0]
    assert values("when-backward-fails/non_scalar_sum.py", "x.grad:") == [2 * v for v in x]


def test_in_place_update_of_a_leaf_raises():
    result = recorded_error("when-backward-fails/inplace_leaf.py", "RuntimeError", LEAF_IN_PLACE)
    assert result.stdout == ""
    x = torch.tensor(2.0, requires_grad=True)
    (x**2).backward()
    with pytest.raises(RuntimeError, match=LEAF_IN_PLACE):
        x -= 0.1 * x.grad


def test_update_under_no_grad_keeps_the_leaf():
    x0 = 2.0
    stepped = values("when-backward-fails/inplace_leaf_no_grad.py", "x after one step:")
    assert stepped == [pytest.approx(x0 - 0.1 * 2 * x0)]  # x - 0.1 * dy/dx, dy/dx = 2x
    assert line_with(snippet_output("when-backward-fails/inplace_leaf_no_grad.py"), "x.is_leaf:") == "x.is_leaf: True"
    ns = snippet_namespace("when-backward-fails/inplace_leaf_no_grad.py")
    assert ns["x"].is_leaf and ns["x"].requires_grad and ns["x"].grad_fn is None
    assert ns["x"].item() == pytest.approx(1.6)
