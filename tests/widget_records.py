"""Parse the records that the widget snippets print (the watch_backward.py and tangent_grid.py of
several lessons), the same way docs/assets/javascripts/autograd-widgets.js reads them on the page.

A backward record has two sections:

    graph: node name -> nodes it sends to
    n2 AddBackward0 -> n3 n4            one line per node; "-" is an input that gets no gradient
    n5 AccumulateGrad (x)
    steps: node: gradient in -> sent on
    3 n4 MulBackward0: 3 -> 9 6         one line per node the engine ran, in the order it ran them
    6 n5 AccumulateGrad (x): 21 -> x.grad 21

A tangent table is a header "x <name> x.grad [<name> x.grad ...]" followed by rows of numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GRAPH = re.compile(r"^(n\d+) (.+?)(?: -> (.+))?$")
_STEP = re.compile(r"^(\d+) (n\d+) (.+?): (.+?) -> (.+)$")
_LEAF = re.compile(r"^(\w+)\.grad (\S+)$")


def _number(text: str) -> float | None:
    return None if text == "-" else float(text)


@dataclass
class Node:
    id: str
    name: str
    next: list[str]  # ids, "-" for an input that gets no gradient


@dataclass
class Step:
    number: int
    node: str
    name: str
    received: list[float | None]
    sent: list[float | None]  # one per entry of next_functions; empty for AccumulateGrad
    leaf: tuple[str, float] | None  # AccumulateGrad: (leaf name, its .grad right after the step)


@dataclass
class BackwardRecord:
    nodes: list[Node]
    steps: list[Step]

    def node(self, id_: str) -> Node:
        return next(node for node in self.nodes if node.id == id_)

    def step_of(self, id_: str) -> Step:
        (step,) = [step for step in self.steps if step.node == id_]
        return step

    def edges(self) -> list[tuple[str, str]]:
        return [(node.id, to) for node in self.nodes for to in node.next if to != "-"]


def parse_backward(out: str) -> BackwardRecord:
    nodes, steps, section = [], [], None
    for line in out.splitlines():
        if line.startswith("graph:"):
            section = "graph"
        elif line.startswith("steps:"):
            section = "steps"
        elif section == "graph" and (match := _GRAPH.match(line)):
            nodes.append(Node(match[1], match[2], match[3].split() if match[3] else []))
        elif section == "steps" and (match := _STEP.match(line)):
            leaf = _LEAF.match(match[5])
            steps.append(
                Step(
                    number=int(match[1]),
                    node=match[2],
                    name=match[3],
                    received=[_number(t) for t in match[4].split()],
                    sent=[] if leaf else [_number(t) for t in match[5].split()],
                    leaf=(leaf[1], float(leaf[2])) if leaf else None,
                )
            )
        else:
            section = None if not line.strip() else section
    return BackwardRecord(nodes, steps)


def parse_table(out: str, column: str) -> list[tuple[str, str, str]]:
    """The rows (x, value, x.grad), as printed, of `column` in a table whose header is
    `x <name> x.grad [<name> x.grad ...]` and whose rows hold one number per header cell."""
    header, rows = None, []
    for line in out.splitlines():
        cells = line.split()
        if header is None:
            if cells and cells[0] == "x" and column in cells:
                header = cells
                at = cells.index(column)
                assert cells[at + 1] == "x.grad", f"{column} is not followed by x.grad"
        elif len(cells) == len(header):
            rows.append((cells[0], cells[at], cells[at + 1]))
    assert header and rows, f"no table of {column} in the output"
    return rows


def walk(output) -> list:
    """Every node of output's graph once, from the top (breadth first, in next_functions order)."""
    nodes = [output.grad_fn]
    for node in nodes:
        for below, _ in node.next_functions:
            if below is not None and not any(below is seen for seen in nodes):
                nodes.append(below)
    return nodes


def watch_with_prehooks(output) -> tuple[list, list[tuple[int, int]], list[int]]:
    """A second route to the engine's order, written apart from the snippets: a *pre*-hook on every
    node (called before the node runs), then backward(). Returns the nodes (see walk), the edges
    as (sender, receiver) indices into it, and the indices in the order the engine ran them."""
    nodes = walk(output)
    index = {id(node): i for i, node in enumerate(nodes)}
    edges = [(i, index[id(below)]) for i, node in enumerate(nodes) for below, _ in node.next_functions if below is not None]
    ran: list[int] = []
    for i, node in enumerate(nodes):
        node.register_prehook(lambda grads, i=i: ran.append(i))
    output.backward()
    return nodes, edges, ran


def runs_after_its_senders(order: list, edges) -> bool:
    """Each receiver runs after every sender that points at it, and each node runs exactly once."""
    position = {node: i for i, node in enumerate(order)}
    return len(position) == len(order) and all(position[a] < position[b] for a, b in edges)
