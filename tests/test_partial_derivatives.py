"""snippets/partial-derivatives/: f(u, v) and both partial derivatives against the formulas."""

import pytest
from helpers import line_with, partial_differences, snippet_output, tensor_values


def f1(u, v):
    return u * v + u**2


def f1_du(u, v):
    return v + 2 * u


def f1_dv(u, v):
    return u


def f2(u, v):
    return u**3 + v**2 + 4 * u * v


def f2_du(u, v):
    return 3 * u**2 + 4 * v


def f2_dv(u, v):
    return 2 * v + 4 * u


def f3(u, v):
    return u * v + (u * v) ** 2


def f3_du(u, v):
    return v + 2 * u * v**2


def f3_dv(u, v):
    return u + 2 * u**2 * v


# snippet, (u, v), f and its two partials, the label of the value line
CASES = [
    ("partial-derivatives/uv_plus_u_squared.py", (1.0, 2.0), f1, f1_du, f1_dv, "f = uv + u**2 at u = 1, v = 2:"),
    ("partial-derivatives/cubic_uv.py", (3.0, 4.0), f2, f2_du, f2_dv, "f = u**3 + v**2 + 4uv at u = 3, v = 4:"),
    ("partial-derivatives/practice_uv_squared.py", (2.0, 1.0), f3, f3_du, f3_dv, "f = uv + (uv)**2 at u = 2, v = 1:"),
]


@pytest.mark.parametrize("snippet, point, f, df_du, df_dv, value_label", CASES, ids=[c[0] for c in CASES])
def test_value_and_partials(snippet, point, f, df_du, df_dv, value_label):
    out = snippet_output(snippet)
    assert tensor_values(line_with(out, value_label)) == [f(*point)]
    by_u = tensor_values(line_with(out, "df/du (partial, in u.grad):"))
    by_v = tensor_values(line_with(out, "df/dv (partial, in v.grad):"))
    assert by_u == [df_du(*point)]
    assert by_v == [df_dv(*point)]
    fd_u, fd_v = partial_differences(f, *point)
    assert by_u[0] == pytest.approx(fd_u, rel=1e-5)
    assert by_v[0] == pytest.approx(fd_v, rel=1e-5)


def test_autograd_grad_returns_the_partials():
    out = snippet_output("partial-derivatives/autograd_grad.py")
    point = (3.0, 4.0)
    assert tensor_values(line_with(out, "df/du:")) == [f2_du(*point)]
    assert tensor_values(line_with(out, "df/dv:")) == [f2_dv(*point)]
    assert line_with(out, "u.grad is left untouched:") == "u.grad is left untouched: None"
