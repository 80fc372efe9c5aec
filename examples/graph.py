"""Draw the computational graph: the IR of a function and of its gradient, as Graphviz DOT.

The tutorial pictures autodiff on a DAG of operations. fungrad's IR is that DAG written as
text; ``fungrad.viz.to_dot`` writes it for Graphviz. Here: the tutorial's function with a
``while`` and an ``if`` (its guards are drawn as red octagons) and the backward pass of a
ReLU layer.

    python examples/graph.py [OUTPUT_DIR]      # default: ./fungrad_graphs

Each graph is written as OUTPUT_DIR/NAME.dot, and as NAME.svg too if Graphviz's ``dot``
program is installed (``apt install graphviz``). The same from the command line:

    python -m fungrad show examples/autodiff_tour.py:f --args 'f64[]' --dot -o f.svg
"""
from __future__ import annotations

import os
import shutil
import sys

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import nn
from fungrad.viz import render, to_dot


def f(a):
    """The tutorial's control-flow function (see autodiff_tour.py)."""
    b = a * 2
    while fnp.linalg.norm(b) < 1000:
        b = b * 2
    c = b if fnp.sum(b) > 0 else 100 * b
    return c


X = np.array([1.0, 2.0, 3.0])


def relu_layer(W, b):
    return nn.relu(W @ X + b).sum()


def main(out_dir: str = "fungrad_graphs") -> None:
    os.makedirs(out_dir, exist_ok=True)
    W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]])
    b = np.array([0.1, -0.2])
    graphs = {
        # at a = -150 the loop runs twice and the else branch is taken: 4 guards
        "control_flow": fungrad.make_jaxpr(f)(-150.0),
        "relu_layer_grad": fungrad.make_jaxpr(fungrad.grad(relu_layer, argnums=(0, 1)))(W, b),
    }
    for name, closed in graphs.items():
        dot = to_dot(closed, name=name)
        path = os.path.join(out_dir, name + ".dot")
        with open(path, "w") as file:
            file.write(dot)
        guards = sum(e.primitive.name == "guard" for e in closed.eqns)
        print(f"{name}: {len(closed.eqns)} equations ({guards} guards), "
              f"{dot.count(' -> ')} edges -> {path}")
        svg = os.path.join(out_dir, name + ".svg")
        if render(dot, svg):
            print(f"{name}: rendered -> {svg}")
    if shutil.which("dot") is None:
        print("Graphviz's dot program is not installed: only the .dot files were written.")


if __name__ == "__main__":
    main(*sys.argv[1:2])
