"""A tour of automatic differentiation, the functional way.

This walks through the ideas of a classic PyTorch autograd tutorial -- computational graphs,
forward and reverse accumulation, ``detach``, control flow, vector-Jacobian products, "the
gradient has the shape of the parameter", gradient checking -- and shows each one in fungrad,
where nothing is stored on tensors: a derivative is a *function*, ``grad(f)``, and you can
print what it computes (its IR, a "jaxpr").

Run it:           python examples/autodiff_tour.py
Look at one part: python -m fungrad show examples/autodiff_tour.py:loss --args 'f64[4]' --grad

The functions at the top level are the ones the tour differentiates; the demonstration itself
is in ``main()``. Each section prints ``name = value`` lines and, where it helps, the IR.
"""
from __future__ import annotations

import functools
import textwrap

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import grad, jacfwd, jacrev, jvp, make_jaxpr, nn, stop_gradient, vjp
from fungrad.test_util import check_grads


# ---------------------------------------------------------------------------------------------
# The functions of the tour (each usable with `python -m fungrad show FILE:NAME`)
# ---------------------------------------------------------------------------------------------

def loss(x):
    """y = 2 x.x, whose gradient is 4x.  (--args 'f64[4]')"""
    return 2 * fnp.dot(x, x)


def total(x):
    """y = sum(x), whose gradient is all ones.  (--args 'f64[4]')"""
    return fnp.sum(x)


def detached(x):
    """sum(u * x) with u = x * x treated as a constant: the gradient is u, not 3x^2."""
    u = stop_gradient(x * x)
    return fnp.sum(u * x)


def f(a):
    """The tutorial's function with a data-dependent ``while`` and ``if``.  (--args 'f64[]')

    Whatever path it takes, f(a) = k * a for some constant k, so df/da = f(a) / a.
    """
    b = a * 2
    while fnp.linalg.norm(b) < 1000:
        b = b * 2
    c = b if fnp.sum(b) > 0 else 100 * b
    return c


def inner(x):
    """y = x.x, the inner product; its gradient is 2x.  (--args 'f64[3]')"""
    return fnp.dot(x, x)


X = np.array([1.0, 2.0, 3.0])  # the fixed input of the linear-layer examples


def linear(W, b):
    """sum(W @ x + b) as a function of the parameters.  (--args 'f64[2,3],f64[2]')"""
    return fnp.sum(W @ X + b)


def relu_layer(W, b):
    """sum(relu(W @ x + b)): one neural-network layer.  (--args 'f64[2,3],f64[2]')"""
    return nn.relu(W @ X + b).sum()


def double(x):
    """y = 2x, a vector-valued function: its VJP with v is 2v.  (--args 'f64[3]')"""
    return x * 2


def wide(x):
    """R^n -> R: many inputs, one output (like a loss).  (--args 'f64[100]')"""
    return fnp.sum(fnp.sin(x) * x)


def tall(t, m=3):
    """R -> R^m: one input, many outputs (like a curve).  (--args 'f64[]')"""
    return fnp.sin(t * fnp.arange(1.0, m + 1.0))


def deep(x, depth=3):
    """sin(sin(...sin(x))), ``depth`` times, summed: a long chain.  (--args 'f64[5]')"""
    for _ in range(depth):
        x = fnp.sin(x)
    return fnp.sum(x)


def square(x):
    """x ** 2, for the gradient check.  (--args 'f64[]')"""
    return x ** 2


# ---------------------------------------------------------------------------------------------
# Printing helpers
# ---------------------------------------------------------------------------------------------

def fmt(value, digits: int | None = 6) -> str:
    """Numbers as plain Python literals (lists for arrays), rounded for reading."""
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind == "f" and digits is not None:
            value = np.round(value, digits)
        value = value.tolist()
    if isinstance(value, float) and digits is not None:
        value = round(value, digits)
    return repr(value)


def say(name: str, value, digits: int | None = 6) -> None:
    """One ``name = value`` line; ``digits=None`` prints floats in full."""
    print(f"  {name:<38} = {fmt(value, digits)}")


def explain(text: str) -> None:
    print(textwrap.indent(textwrap.dedent(text).strip(), "  "))


def show_ir(closed) -> None:
    print(textwrap.indent(str(closed), "    "))


def section(number: int, title: str) -> None:
    print(f"\n== {number}. {title}")


def grad_by_forward_mode(fun, x):
    """The gradient of a scalar ``fun`` by forward mode: one JVP per input direction."""
    basis = np.eye(x.size).reshape((x.size,) + x.shape)
    return fnp.stack([jvp(fun, (x,), (e,))[1] for e in basis])


def grad_by_reverse_mode(fun, x):
    """The gradient of a scalar ``fun`` by reverse mode: one VJP, seeded with 1."""
    _, pullback = vjp(fun, x)
    return pullback(1.0)[0]


def jac_by_forward_mode(fun, t):
    """The derivative of a curve ``fun: R -> R^m`` by forward mode: one JVP."""
    return jvp(fun, (t,), (1.0,))[1]


def jac_by_reverse_mode(fun, t):
    """The derivative of a curve ``fun: R -> R^m`` by reverse mode: one VJP per output."""
    y, pullback = vjp(fun, t)
    return fnp.stack([pullback(e)[0] for e in np.eye(y.size)])


def jvp_ir(fun, x):
    """The IR of one forward-mode pass: (x, t) -> (f(x), J t)."""
    return make_jaxpr(lambda x, t: jvp(fun, (x,), (t,)))(x, x)


def vjp_ir(fun, x):
    """The IR of one reverse-mode pass of a scalar function: x -> the gradient at x."""
    return make_jaxpr(lambda x: vjp(fun, x)[1](1.0))(x)


def peak_live(jaxpr) -> int:
    """How many arrays must be held at once to evaluate ``jaxpr`` in order: a value is alive
    from its definition to its last use. (Inputs and constants count from the start.)"""
    last = {}
    for i, eqn in enumerate(jaxpr.eqns):
        for x in eqn.inputs:
            if isinstance(x, fungrad.core.Var):
                last[id(x)] = i
    for x in jaxpr.outvars:
        if isinstance(x, fungrad.core.Var):
            last[id(x)] = len(jaxpr.eqns)
    live = {id(v) for v in jaxpr.constvars + jaxpr.invars}
    peak = len(live)
    for i, eqn in enumerate(jaxpr.eqns):
        live |= {id(v) for v in eqn.outvars}
        peak = max(peak, len(live))
        live = {v for v in live if last.get(v, -1) > i}
    return peak


# ---------------------------------------------------------------------------------------------
# The tour
# ---------------------------------------------------------------------------------------------

def main() -> None:
    # Random inputs come from explicit keys: one key per draw, split off a root key, so
    # every draw is reproducible on its own (no hidden generator state).
    key_a, key_w, key_b, key_x = fungrad.random.split(fungrad.random.key(0), 4)

    section(1, "A gradient: 2 x.x has gradient 4x")
    explain("""
        PyTorch records a graph while computing y and fills x.grad on y.backward().
        fungrad instead transforms the function: grad(loss) is a new function. It traces
        loss into an IR (the computational graph as text), differentiates that IR, and
        evaluates it. Printing the IR of grad(loss) shows the backward pass itself:
        x is used twice in dot(x, x), so it receives two contributions (2x each), and
        they are added.
    """)
    x = fnp.arange(4.0)
    say("x", x)
    say("y", loss(x))
    say("grad(loss)(x)", grad(loss)(x))
    say("4 * x", 4 * x)
    show_ir(make_jaxpr(grad(loss))(x))

    section(2, "No gradient to clear")
    explain("""
        In PyTorch, backward() adds into x.grad, so before differentiating another function
        of x you call x.grad.zero_(). A functional gradient has no such state: each call
        returns a fresh array.
    """)
    say("grad(total)(x)", grad(total)(x))
    say("grad(total)(x), again", grad(total)(x))
    say("grad(loss)(x), again", grad(loss)(x))
    say("torch without zero_() would give", grad(loss)(x) + grad(total)(x))

    section(3, "stop_gradient is detach")
    explain("""
        u, made by stop_gradient(x * x), has the value of x * x but counts as a constant
        for differentiation (torch: y.detach()). So sum(u * x) has gradient u, not 3 x^2.
        In the IR, stop_gradient is an ordinary equation whose derivative rule is zero.
    """)
    say("u", x * x)
    say("grad(detached)(x)", grad(detached)(x))
    say("without stop_gradient: 3 x^2", grad(lambda x: fnp.sum(x * x * x))(x))
    show_ir(make_jaxpr(detached)(x))

    section(4, "Python control flow: while and if")
    explain("""
        f doubles b until its norm reaches 1000, then keeps b or multiplies it by 100.
        fungrad traces with the actual value, so Python's while and if just run; every
        decision they read from a traced value is recorded as a guard equation. The IR is
        the path that was taken, and the guards say when it is valid. On that path f(a) is
        k * a for a constant k, hence the derivative df/da is f(a) / a.
    """)
    for a in (float(fungrad.random.normal(key_a)), -150.0):
        say("a", a, digits=None)
        say("f(a)", f(a))
        say("grad(f)(a)", grad(f)(a))
        say("f(a) / a", f(a) / a)
    closed = make_jaxpr(grad(f))(-150.0)
    guards = [e for e in closed.eqns if e.primitive.name == "guard"]
    say("guards in the IR of grad(f) at -150", len(guards))
    explain("""
        Three loop tests (True, True, False: two doublings) and the if (False: the else
        branch). The gradient itself is a constant on this path, so it is the literal output.
    """)
    show_ir(closed)

    section(5, "Inner product: x.x has gradient 2x")
    x3 = np.array([1.0, 2.0, 3.0])
    say("x", x3)
    say("grad(inner)(x)", grad(inner)(x3))

    section(6, "The gradient has the shape of the parameter")
    explain("""
        y is W @ x + b, with W of shape (2, 3) and b of shape (2,). Reduced to a scalar
        (sum), its gradient with respect to (W, b) is a pair shaped like (W, b): each row
        of dW is x (a linear layer's weight gradient is its input) and db is all ones.
    """)
    W = fungrad.random.normal(key_w, (2, 3))
    b = fungrad.random.normal(key_b, (2,))
    dW, db = grad(linear, argnums=(0, 1))(W, b)
    say("x", X)
    say("dW.shape", dW.shape)
    say("db.shape", db.shape)
    say("dW", dW)
    say("db", db)

    section(7, "Chain rule through a layer: relu(W @ x + b).sum()")
    explain("""
        The backward pass is: ones from the sum, times relu's derivative (1 where the
        pre-activation is positive, else 0), then the linear layer: dW is outer(mask, x) and
        db is mask. The IR of grad shows these steps: a comparison and a keep (the mask
        applied: select against zero), then an outer product with x.
    """)
    W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]])
    b = np.array([0.1, -0.2])
    dW, db = grad(relu_layer, argnums=(0, 1))(W, b)
    say("W @ x + b", W @ X + b)
    say("mask (W @ x + b > 0)", (W @ X + b > 0).astype(float))
    say("dW", dW)
    say("db", db)
    show_ir(make_jaxpr(grad(relu_layer, argnums=(0, 1)))(W, b))

    section(8, "Vector-Jacobian product: 2x with v = [1, 0, 0]")
    explain("""
        For a vector output, reverse mode computes v^T J for a chosen v (torch:
        y.backward(gradient=v)). vjp returns the output and a pullback function; the IR of
        the pullback alone is the backward pass.
    """)
    x3r = fungrad.random.normal(key_x, (3,))
    y, pullback = vjp(double, x3r)
    v = np.array([1.0, 0.0, 0.0])
    say("v", v)
    say("vjp(double, x)[1](v)", pullback(v)[0])
    show_ir(make_jaxpr(lambda x, v: vjp(double, x)[1](v))(x3r, v))

    section(9, "Forward versus reverse accumulation")
    explain("""
        Forward mode (jvp) pushes one tangent, a direction in input space, from the inputs
        to the outputs: one pass gives one column of the Jacobian. Reverse mode (vjp) pulls
        one cotangent from the outputs back to the inputs: one pass gives one row. So a
        full Jacobian of f: R^n -> R^m costs n forward passes or m reverse passes.
        A loss (wide, R^n -> R) wants reverse mode; a curve (tall, R -> R^m) wants
        forward mode. Below, each derivative is computed both ways, one pass per basis
        vector, and the IR shows the passes: one block of equations each.
    """)
    xs = np.linspace(0.0, 1.0, 3)
    print("  gradient of wide, n=3, forward mode (one JVP per input):")
    show_ir(make_jaxpr(functools.partial(grad_by_forward_mode, wide))(xs))
    print("  gradient of wide, n=3, reverse mode (one VJP for the single output):")
    show_ir(make_jaxpr(functools.partial(grad_by_reverse_mode, wide))(xs))
    print("  derivative of tall, m=3, forward mode (one JVP for the single input):")
    show_ir(make_jaxpr(functools.partial(jac_by_forward_mode, tall))(0.5))
    print("  derivative of tall, m=3, reverse mode (one VJP per output):")
    show_ir(make_jaxpr(functools.partial(jac_by_reverse_mode, tall))(0.5))
    explain("The results (wide: sin x + x cos x at x in [0, 0.5, 1]; tall: k cos(k t)):")
    say("wide, forward mode", grad_by_forward_mode(wide, xs))
    say("wide, reverse mode", grad_by_reverse_mode(wide, xs))
    say("tall, forward mode", jac_by_forward_mode(tall, 0.5))
    say("tall, reverse mode", jac_by_reverse_mode(tall, 0.5))
    explain("Equations in each IR, as the size grows:")
    for n in (3, 10, 100):
        xn = np.linspace(0.0, 1.0, n)
        for mode, how in (("forward", grad_by_forward_mode), ("reverse", grad_by_reverse_mode)):
            closed = make_jaxpr(functools.partial(how, wide))(xn)
            say(f"wide n={n} {mode} equations", len(closed.eqns))
    for m in (3, 10, 100):
        tall_m = functools.partial(tall, m=m)
        for mode, how in (("forward", jac_by_forward_mode), ("reverse", jac_by_reverse_mode)):
            closed = make_jaxpr(functools.partial(how, tall_m))(0.5)
            say(f"tall m={m} {mode} equations", len(closed.eqns))
    explain("""
        fungrad.jacfwd and fungrad.jacrev are these two strategies, ready-made:
    """)
    say("jacfwd(wide)(x)", jacfwd(wide)(xs))
    say("jacrev(wide)(x)", jacrev(wide)(xs))
    say("jacfwd(tall)(0.5)", jacfwd(tall)(0.5))
    say("jacrev(tall)(0.5)", jacrev(tall)(0.5))

    explain("""
        The price of reverse mode is memory. The backward pass runs the chain in the
        opposite order, so every intermediate it needs (here the cosines of a sin chain)
        must be kept from the forward pass: the pullback's IR receives them as constants.
        Forward mode carries the tangent along with each value and keeps nothing.
        The chain of depth 3, its pullback (the stored values are the constants before ;):
    """)
    x5 = np.linspace(0.1, 0.5, 5)
    show_ir(make_jaxpr(vjp(deep, x5)[1])(1.0))
    for depth in (2, 4, 8, 16):
        chain = functools.partial(deep, depth=depth)
        back = make_jaxpr(vjp(chain, x5)[1])(1.0)  # the backward pass alone
        fwd = jvp_ir(chain, x5)                     # a JVP: value and tangent together
        rev = vjp_ir(chain, x5)                     # forward pass then backward pass
        say(f"depth {depth}: stored for reverse", len(back.consts))
        say(f"depth {depth}: peak live arrays, jvp", peak_live(fwd.jaxpr))
        say(f"depth {depth}: peak live arrays, vjp", peak_live(rev.jaxpr))

    section(10, "Gradient check: x ** 2 at 3.0")
    explain("""
        Compare the derivative with central differences (f(x+eps) - f(x-eps)) / (2 eps).
        fungrad.test_util.check_grads does this for both modes and higher orders.
    """)
    x0, eps = 3.0, 1e-5
    analytic = grad(square)(x0)
    numeric = (square(x0 + eps) - square(x0 - eps)) / (2 * eps)
    say("analytic", analytic, digits=None)
    say("numeric", numeric, digits=None)
    say("|analytic - numeric|", abs(float(analytic) - numeric), digits=None)
    check_grads(square, (x0,), order=2)
    say("check_grads(order=2) passed", True)


if __name__ == "__main__":
    main()
