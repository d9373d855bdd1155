"""snippets/turning-autograd-off/: no_grad, inference_mode, requires_grad_(False) and detach(), each
behaviour redone here in the test, every value against a formula, and gradient descent against its
closed form w_k = 3 - 3 * 0.8**k."""

import re
from pathlib import Path

import pytest
import torch
from helpers import central_difference, line_with, snippet_namespace, snippet_output, snippet_result, tensor_values

PAGE = Path(__file__).resolve().parent.parent / "docs" / "turning-autograd-off.md"
SLUG = "turning-autograd-off"
X = 2.0  # the point every snippet differentiates at


def leaf(value):
    return torch.tensor(value, requires_grad=True)


# --- torch.no_grad() -------------------------------------------------------------------------------


def test_no_grad_turns_recording_off_inside_the_block_only():
    out = snippet_output("turning-autograd-off/no_grad.py")
    assert line_with(out, "outside:") == "outside: True"
    assert line_with(out, "inside:") == "inside: False"
    assert line_with(out, "y.requires_grad:") == "y.requires_grad: True"
    assert line_with(out, "y.grad_fn.name():") == "y.grad_fn.name(): MulBackward0"
    # the same switch, observed here
    assert torch.is_grad_enabled()
    with torch.no_grad():
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_no_grad_result_is_an_untracked_leaf_with_the_same_value():
    out = snippet_output("turning-autograd-off/no_grad.py")
    assert tensor_values(line_with(out, "z:")) == [3 * X]
    assert line_with(out, "z.requires_grad:") == "z.requires_grad: False"
    assert line_with(out, "z.grad_fn:") == "z.grad_fn: None"
    assert line_with(out, "z.is_leaf:") == "z.is_leaf: True"
    x = leaf(X)
    with torch.no_grad():
        z = x * 3
    assert not z.requires_grad and z.grad_fn is None and z.is_leaf


def test_every_tensor_that_does_not_require_grad_is_a_leaf():
    # the page's "like every tensor that does not require grad it is a leaf"
    plain = torch.tensor(1.0)
    made_from_plain = plain * 2
    detached = (leaf(X) * 3).detach()
    for t in (plain, made_from_plain, detached):
        assert not t.requires_grad and t.is_leaf


def test_no_grad_leaves_the_input_tracked():
    out = snippet_output("turning-autograd-off/no_grad.py")
    assert line_with(out, "x.requires_grad:") == "x.requires_grad: True"
    x = leaf(X)
    with torch.no_grad():
        x * 3
    assert x.requires_grad and x.is_leaf


def test_no_grad_result_is_a_constant_later():
    out = snippet_output("turning-autograd-off/no_grad_constant.py")
    c = 3 * X
    assert tensor_values(line_with(out, "c:")) == [c]
    # y = x * c with c fixed: dy/dx = c
    printed = tensor_values(line_with(out, "dy/dx with c a constant:"))
    assert printed == [c]
    assert printed[0] == pytest.approx(central_difference(lambda x: x * c, X), rel=1e-5)


def test_recorded_c_gives_the_derivative_of_3x_squared():
    out = snippet_output("turning-autograd-off/no_grad_constant.py")
    printed = tensor_values(line_with(out, "dy/dx with c recorded:"))
    assert printed == [6 * X]  # d(3x^2)/dx
    assert printed[0] == pytest.approx(central_difference(lambda x: x * (3 * x), X), rel=1e-5)


# --- detach() --------------------------------------------------------------------------------------


def test_detach_result_is_untracked_and_a_constant_later():
    out = snippet_output("turning-autograd-off/detach_constant.py")
    assert tensor_values(line_with(out, "c:")) == [3 * X]  # the same value as x * 3
    assert line_with(out, "c.requires_grad:") == "c.requires_grad: False"
    assert line_with(out, "c.grad_fn:") == "c.grad_fn: None"
    assert tensor_values(line_with(out, "dy/dx with c detached:")) == [3 * X]  # dy/dx = c = 3x
    # second route: the derivative of x * c with c a plain number, by torch.autograd.grad
    x = leaf(X)
    (grad,) = torch.autograd.grad(x * torch.tensor(3 * X), x)
    assert grad.item() == 3 * X


def test_detach_shares_memory_with_the_original():
    # the page's "(sharing its memory, as the plotting lesson showed)"
    tracked = leaf(X) * 3
    detached = tracked.detach()
    assert detached.data_ptr() == tracked.data_ptr()
    detached.add_(1)
    assert tracked.item() == 3 * X + 1


# --- requires_grad_(False) -------------------------------------------------------------------------


W, B, INPUT = 2.0, 1.0, 4.0


def test_frozen_leaf_stays_a_leaf_without_requires_grad():
    out = snippet_output("turning-autograd-off/freeze.py")
    assert line_with(out, "w.requires_grad:") == "w.requires_grad: False"
    assert line_with(out, "w.is_leaf:") == "w.is_leaf: True"
    w = leaf(W)
    assert w.requires_grad_(False) is w  # in place: the same tensor comes back
    assert not w.requires_grad and w.is_leaf


def test_frozen_leaf_gets_no_grad_while_the_other_does():
    out = snippet_output("turning-autograd-off/freeze.py")
    loss_line = line_with(out, "loss:")
    assert tensor_values(loss_line) == [(W * INPUT + B) ** 2]
    assert "grad_fn=<PowBackward0>" in loss_line  # loss is recorded: b is still tracked
    assert line_with(out, "w.grad:") == "w.grad: None"
    printed = tensor_values(line_with(out, "b.grad:"))
    assert printed == [2 * (W * INPUT + B)]  # d/db (wx + b)^2
    assert printed[0] == pytest.approx(central_difference(lambda b: (W * INPUT + b) ** 2, B), rel=1e-5)
    ns = snippet_namespace("turning-autograd-off/freeze.py")
    assert ns["w"].grad is None and ns["b"].grad is not None


def test_frozen_leaf_result_is_a_constant_later():
    # the table's "frozen" row: w * 3 with w frozen acts as the constant 3w
    w = leaf(W).requires_grad_(False)
    x = leaf(X)
    (grad,) = torch.autograd.grad(x * (w * 3), x)
    assert grad.item() == 3 * W


# --- torch.inference_mode() ------------------------------------------------------------------------


def test_inference_mode_result_is_untracked_and_marked():
    out = snippet_output("turning-autograd-off/inference_mode.py")
    assert line_with(out, "b.requires_grad:") == "b.requires_grad: False"
    assert line_with(out, "b.grad_fn:") == "b.grad_fn: None"
    assert line_with(out, "is_inference(b):") == "is_inference(b): True"
    assert line_with(out, "is_inference(a):") == "is_inference(a): False"
    assert line_with(out, "is_inference(x):") == "is_inference(x): False"
    x = leaf(X)
    with torch.no_grad():
        a = x * 3
    with torch.inference_mode():
        b = x * 3
    assert torch.is_inference(b) and not torch.is_inference(a) and not torch.is_inference(x)
    assert not b.requires_grad and b.grad_fn is None


def test_inference_mode_marks_the_new_tensors_it_computes():
    x = leaf(X)
    with torch.inference_mode():
        made = [x * 3, torch.ones(2), torch.zeros(()) + x]
    assert all(torch.is_inference(t) for t in made)
    assert not torch.is_inference(x)


INFERENCE_MESSAGE = "Inference tensors cannot be saved for backward"


def test_inference_tensor_in_autograd_raises_at_the_multiplication():
    result = snippet_result("turning-autograd-off/inference_in_autograd.py")
    assert result.error is not None and result.error.type == "RuntimeError"
    assert INFERENCE_MESSAGE in result.error.last_line
    # the message names both fixes the page shows
    assert "make a clone" in result.error.last_line
    assert "`torch.no_grad()` instead of `torch.inference_mode()`" in result.error.last_line
    assert result.stdout == "is_inference(c): True\n"
    # redone here: the multiplication itself raises, no backward() needed
    x = leaf(X)
    with torch.inference_mode():
        c = x * 3
    with pytest.raises(RuntimeError, match=INFERENCE_MESSAGE):
        x * c


def test_clone_outside_inference_mode_fixes_it():
    out = snippet_output("turning-autograd-off/inference_clone_fix.py")
    assert line_with(out, "is_inference(c):") == "is_inference(c): False"
    assert tensor_values(line_with(out, "dy/dx with c a constant:")) == [3 * X]  # dy/dx = c
    x = leaf(X)
    with torch.inference_mode():
        c = x * 3
    c = c.clone()
    assert not torch.is_inference(c)
    (grad,) = torch.autograd.grad(x * c, x)
    assert grad.item() == 3 * X


def test_clone_keeps_the_value():
    x = leaf(X)
    with torch.inference_mode():
        c = x * 3
    assert c.clone().item() == 3 * X


def test_inference_tensor_is_accepted_where_nothing_is_saved():
    out = snippet_output("turning-autograd-off/inference_add.py")
    assert line_with(out, "y.grad_fn.name():") == "y.grad_fn.name(): AddBackward0"
    printed = tensor_values(line_with(out, "dy/dx:"))
    assert printed == [1.0]  # d(x + c)/dx = 1
    assert printed[0] == pytest.approx(central_difference(lambda x: x + 3 * X, X), rel=1e-5)
    x = leaf(X)
    with torch.inference_mode():
        c = x * 3
    y = x + c  # no error: addition saves nothing of c
    (grad,) = torch.autograd.grad(y, x)
    assert grad.item() == 1.0


# --- side by side, and the page's table ------------------------------------------------------------


def _computed_each_way():
    """The five results of side_by_side.py, computed here."""
    x = leaf(X)
    w = leaf(X).requires_grad_(False)
    with torch.no_grad():
        in_no_grad = x * 3
    with torch.inference_mode():
        in_inference = x * 3
    return {
        "tracked": x * 3,
        "no_grad": in_no_grad,
        "inference": in_inference,
        "detach": (x * 3).detach(),
        "frozen": w * 3,
    }


# what each way gives: (requires_grad, grad_fn, is_leaf)
EXPECTED = {
    "tracked": ("True", "MulBackward0", "False"),
    "no_grad": ("False", "None", "True"),
    "inference": ("False", "None", "True"),
    "detach": ("False", "None", "True"),
    "frozen": ("False", "None", "True"),
}


def test_side_by_side_prints_each_way():
    lines = snippet_output("turning-autograd-off/side_by_side.py").splitlines()
    assert lines[0].split() == ["result", "requires_grad", "grad_fn", "is_leaf"]
    rows = {line.split()[0]: tuple(line.split()[1:]) for line in lines[1:]}
    assert rows == EXPECTED
    assert max(len(line) for line in lines) <= 48


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_way_redone_here(name):
    t = _computed_each_way()[name]
    requires_grad, grad_fn, is_leaf = EXPECTED[name]
    assert str(t.requires_grad) == requires_grad
    assert (t.grad_fn.name() if t.grad_fn else "None") == grad_fn
    assert str(t.is_leaf) == is_leaf


def test_page_table_matches_the_printed_rows():
    table = [
        [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        for line in PAGE.read_text().splitlines()
        if line.startswith("| ")
    ]
    header, body = table[0], table[1:]
    assert header[:4] == ["result", "requires_grad", "grad_fn", "is_leaf"]
    rows = {cells[0]: tuple(cells[1:4]) for cells in body}
    assert rows == EXPECTED


# --- updating a parameter by hand -------------------------------------------------------------------

LEAF_IN_PLACE = r"a leaf Variable that requires grad is being used in an in-place operation\."


def test_in_place_update_of_a_leaf_outside_no_grad_raises():
    result = snippet_result("turning-autograd-off/update_without_no_grad.py")
    assert result.error is not None and result.error.type == "RuntimeError"
    assert re.search(LEAF_IN_PLACE, result.error.last_line)
    # f(w) = (w - 3)^2, f'(0) = 2 * (0 - 3) = -6
    assert tensor_values(line_with(result.stdout, "w.grad:")) == [2 * (0.0 - 3)]
    w = leaf(0.0)
    ((w - 3) ** 2).backward()
    with pytest.raises(RuntimeError, match=LEAF_IN_PLACE):
        w -= 0.1 * w.grad


def test_in_place_update_under_no_grad_is_allowed():
    w = leaf(0.0)
    ((w - 3) ** 2).backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.item() == pytest.approx(0.6)  # 0 - 0.1 * (-6)


def test_out_of_place_update_makes_a_non_leaf():
    out = snippet_output("turning-autograd-off/update_out_of_place.py")
    assert tensor_values(line_with(out, "w:")) == [pytest.approx(0.6)]  # 0 - 0.1 * (-6)
    assert line_with(out, "w.is_leaf:") == "w.is_leaf: False"
    assert line_with(out, "w.grad_fn.name():") == "w.grad_fn.name(): SubBackward0"
    w = leaf(0.0)
    ((w - 3) ** 2).backward()
    w = w - 0.1 * w.grad
    assert not w.is_leaf and w.grad_fn.name() == "SubBackward0"
    # so the next backward() stores no gradient in it (reading it warns, as in leaves-and-grad-fn)
    ((w - 3) ** 2).backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert w.grad is None


def closed_form(k):
    """w_k for f(w) = (w - 3)^2, lr 0.1, w_0 = 0: w_{k+1} - 3 = 0.8 (w_k - 3)."""
    return 3 - 3 * 0.8**k


def test_gradient_descent_follows_the_closed_form():
    out = snippet_output("turning-autograd-off/gradient_descent.py")
    steps = re.findall(r"^step (\d+): w = (-?\d+\.\d{6})$", out, re.MULTILINE)
    assert [int(k) for k, _ in steps] == [1, 2, 3, 10, 20, 30, 40, 50]
    for k, printed in steps:
        assert float(printed) == pytest.approx(closed_form(int(k)), abs=2e-6), k
    assert [float(v) for _, v in steps[:3]] == [0.6, 1.08, 1.464]


def test_gradient_descent_contracts_by_0_8_and_reaches_the_minimum():
    ns = snippet_namespace("turning-autograd-off/gradient_descent.py")
    w = ns["w"]
    assert w.item() == pytest.approx(closed_form(50), abs=1e-6)
    assert abs(w.item() - 3) < 1e-4  # the minimum of (w - 3)^2, where f'(w) = 2(w - 3) = 0
    # replay the loop here in float64 and check the contraction step by step
    v = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    for k in range(1, 51):
        before = v.item() - 3
        ((v - 3) ** 2).backward()
        with torch.no_grad():
            v -= 0.1 * v.grad
        v.grad.zero_()
        assert v.item() - 3 == pytest.approx(0.8 * before, abs=1e-12)
        assert v.item() == pytest.approx(closed_form(k), abs=1e-12)


def test_backward_adds_into_grad_so_the_loop_must_zero_it():
    # the page's "backward() adds into .grad": without zero_() the second step uses -6 + (-4.8)
    w = leaf(0.0)
    ((w - 3) ** 2).backward()
    first = w.grad.item()
    assert first == 2 * (0.0 - 3)
    with torch.no_grad():
        w -= 0.1 * w.grad
    ((w - 3) ** 2).backward()
    assert w.grad.item() == pytest.approx(first + 2 * (0.6 - 3))


def test_gradient_descent_leaves_w_a_leaf_that_requires_grad():
    out = snippet_output("turning-autograd-off/gradient_descent.py")
    assert line_with(out, "w.is_leaf:") == "w.is_leaf: True"
    assert line_with(out, "w.requires_grad:") == "w.requires_grad: True"
    ns = snippet_namespace("turning-autograd-off/gradient_descent.py")
    assert ns["w"].grad_fn is None
    assert ns["w"].grad.item() == 0  # zeroed after the last step


def test_snippet_lines_fit_a_phone():
    for path in (Path(__file__).resolve().parent.parent / "snippets" / SLUG).glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert len(line) <= 48, f"{path.name}:{number}"
