"""What runs inside the lab's child process: a notebook's code cells, executed as a kernel would.

Forked from the warm process (torch and matplotlib already imported), the child runs every code cell
in order in one namespace (`__main__`), and records per cell what a Jupyter kernel records: stdout
and stderr as stream outputs, every figure shown or left open at the end of the cell as a PNG
(display_data, as matplotlib's inline backend draws it), and the value of a last expression
(execute_result, its repr). A cell that raises gets an error output and stops the run, as
`allow_errors: false` does. The executed notebook (nbformat 4 JSON) goes to `base`.ipynb.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import os
import sys
import traceback
import types


class _Stream(io.TextIOBase):
    """sys.stdout or sys.stderr for one cell: consecutive writes become one stream output."""

    def __init__(self, name: str, outputs: list):
        self.name, self.outputs = name, outputs

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if self.outputs and self.outputs[-1].get("name") == self.name:
            self.outputs[-1]["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)


def _figure_outputs(plt) -> list[dict]:
    """Every open figure as a PNG display_data output (then closed), as the inline backend shows it."""
    from sitebuild.figures import dark_png  # matplotlib: here, not in the MkDocs process that reads dark_variants

    outputs = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        width, height = figure.get_size_inches() * figure.dpi
        plain = f"<Figure size {width:g}x{height:g} with {len(figure.axes)} Axes>"
        data = {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": plain}
        # Its dark variant is made here, where numpy and matplotlib are loaded already, and cached with
        # the executed notebook; the page (sitebuild/notebook.py) shows it for the dark palette.
        dark = {DARK_PNG: base64.b64encode(dark_png(buffer.getvalue())).decode("ascii")}
        outputs.append({"output_type": "display_data", "metadata": {"sitebuild": dark}, "data": data})
        plt.close(figure)
    return outputs


DARK_PNG = "dark image/png"  # the key of a figure's dark variant in its output's "sitebuild" metadata


def dark_variants(notebook: dict) -> dict[str, bytes]:
    """sha256 of each figure's PNG -> its dark variant, from an executed notebook's outputs."""
    found = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            dark = output.get("metadata", {}).get("sitebuild", {}).get(DARK_PNG)
            light = output.get("data", {}).get("image/png")
            if dark and light:
                found[hashlib.sha256(base64.b64decode(light)).hexdigest()] = base64.b64decode(dark)
    return found


def _run_cell(source: str, count: int, namespace: dict, outputs: list, plt) -> None:
    name = f"<cell {count}>"
    tree = ast.parse(source, name)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    value = eval(compile(ast.Expression(last.value), name, "eval"), namespace) if last is not None else None
    outputs.extend(_figure_outputs(plt))
    if value is not None:
        data = {"text/plain": repr(value)}
        outputs.append({"output_type": "execute_result", "execution_count": count, "metadata": {}, "data": data})


def run_notebook(notebook: dict) -> dict:
    """Execute the notebook's code cells in order, in one namespace; returns it with outputs. A failed
    cell is named in the notebook's metadata, "sitebuild": {"error": …}."""
    import matplotlib.pyplot as plt

    from sitebuild.child import seed_python

    seed_python()  # as every snippet: the same numbers on every build (torch and numpy: seeded in the warm process)
    module = types.ModuleType("__main__")
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        outputs: list = []
        cell["outputs"], cell["execution_count"] = outputs, count
        plt.show = lambda *args, outputs=outputs, **kwargs: outputs.extend(_figure_outputs(plt))
        sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
        try:
            _run_cell(source, count, module.__dict__, outputs, plt)
        except BaseException as exc:  # noqa: BLE001 - a cell may raise anything; the build reports it
            lines = traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next)
            outputs.append({"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc), "traceback": lines})
            where = f"cell {cell.get('id') or count}"
            notebook["metadata"]["sitebuild"] = {"error": f"{where}: {''.join(lines).rstrip()}"}
            break
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return notebook


def run_notebook_to_file(path: str, base: str, workdir: str) -> None:
    """In the forked child: run the notebook at `path` (cwd: an empty folder), write `base`.ipynb."""
    os.chdir(workdir)
    sys.path[0:0] = [os.path.dirname(path)]
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    notebook = run_notebook(notebook)
    partial = base + ".ipynb.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(notebook, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    os.replace(partial, base + ".ipynb")
