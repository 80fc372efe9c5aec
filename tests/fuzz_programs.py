"""Random straight-line programs over fungrad's public functions, and the checks that each
program's evaluations agree with one another.

A program is a list of steps ``(op, operand positions, params)`` over a pool of values that
starts with its inputs. The same program runs twice: once with fungrad's functions, once with
numpy's (the reference). Everything else fungrad computes from it -- ``jit``, ``make_jaxpr`` +
``eval_jaxpr``, ``grad``, ``jvp``, ``vjp``, ``linearize``, ``vmap``, ``jit(grad)``,
``grad(jit)``, ``hessian`` -- must agree with eager fungrad, with numpy, and with finite
differences. A program is named by its seed: ``make_program(seed)`` rebuilds it exactly, so a
failure report is a reproduction.

Inputs are drawn so that programs stay inside the functions' smooth domains (values in
[-2, 2], bounded ops after growing ones), which lets derivatives be compared with finite
differences without false alarms.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

import numpy as np

import fungrad
import fungrad.numpy as fnp
from fungrad import nn

# --------------------------------------------------------------------------------------------
# The operations: each has fungrad's form and numpy's reference form.
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Op:
    name: str
    arity: int
    ours: Callable
    ref: Callable
    # continuous, so finite differences can check its derivative (a kink like abs's at 0 is
    # met with probability ~0 at the tiny step used); False for jumps (floor, where)
    smooth: bool = True
    applies: Callable = lambda *shapes: True  # can it take operands of these shapes?
    params: Callable | None = None  # rng, shapes -> dict of params, or None if none fit


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def _np_softplus(x):
    return np.logaddexp(x, 0)


def _same(name):
    """The numpy function of the same name on both sides."""
    return getattr(fnp, name), getattr(np, name)


def _unary(name, ours=None, ref=None, smooth=True, applies=lambda s: True):
    o, r = _same(name) if ours is None else (ours, ref)
    return Op(name, 1, o, r, smooth, applies)


def _broadcastable(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


def _binary(name, ours=None, ref=None, smooth=True):
    o, r = _same(name) if ours is None else (ours, ref)
    return Op(name, 2, o, r, smooth, _broadcastable)


def _axis_param(rng, shapes):
    nd = len(shapes[0])
    return None if nd == 0 else {"axis": int(rng.integers(-nd, nd))}


def _reduction(name, ours=None, ref=None, smooth=True, keepdims_ok=True):
    o, r = _same(name) if ours is None else (ours, ref)

    def params(rng, shapes):
        nd = len(shapes[0])
        choice = rng.integers(3)
        if choice == 0 or nd == 0:
            return {}
        p = {"axis": int(rng.integers(-nd, nd))}
        if keepdims_ok and choice == 2:
            p["keepdims"] = True
        return p
    nonempty = (lambda s: 0 not in s) if name in ("max", "min", "amax", "amin") else \
        (lambda s: True)
    return Op(name, 1, o, r, smooth, nonempty, params)


def _nonempty_nd(s):
    return len(s) >= 1 and 0 not in s


def _reshape_params(rng, shapes):
    size = math.prod(shapes[0])
    return {"newshape": (size,) if rng.integers(2) else (-1,)}


def _transpose_params(rng, shapes):
    return {"axes": tuple(int(a) for a in rng.permutation(len(shapes[0])))}


def _concat_params(rng, shapes):
    a, b = shapes
    if len(a) != len(b) or len(a) == 0:
        return None
    axes = [i for i in range(len(a)) if all(a[j] == b[j] for j in range(len(a)) if j != i)]
    return None if not axes else {"axis": int(rng.choice(axes))}


def _index_params(rng, shapes):
    s = shapes[0]
    if len(s) == 0 or s[0] == 0:
        return {"index": None}
    kind = rng.integers(4)
    if kind == 0:
        return {"index": int(rng.integers(-s[0], s[0]))}
    if kind == 1:
        return {"index": slice(None, None, -1)}
    if kind == 2:
        return {"index": (Ellipsis, None)}
    return {"index": np.array(rng.integers(0, s[0], size=2))}


def _take(m):
    return lambda x, index: x[index]


def _matmul_applies(a, b):
    return len(a) >= 1 and len(b) >= 1 and a[-1] == (b[0] if len(b) == 1 else b[-2]) and \
        (len(a) < 2 or len(b) < 2 or _broadcastable(a[:-2], b[:-2]))


OPS: list[Op] = [
    # bounded or slowly growing unary math
    _unary("sin"), _unary("cos"), _unary("tanh"), _unary("arctan"), _unary("sinh"),
    _unary("negative"), _unary("square"), _unary("abs"),
    _unary("exp_tanh", lambda x: fnp.exp(fnp.tanh(x)), lambda x: np.exp(np.tanh(x))),
    _unary("log1p_sq", lambda x: fnp.log1p(x * x), lambda x: np.log1p(x * x)),
    _unary("sqrt_sq1", lambda x: fnp.sqrt(x * x + 1.0), lambda x: np.sqrt(x * x + 1.0)),
    _unary("log_sq1", lambda x: fnp.log(1.0 + x ** 2), lambda x: np.log(1.0 + x ** 2)),
    _unary("cbrt_sq1", lambda x: fnp.cbrt(x * x + 1), lambda x: np.cbrt(x * x + 1)),
    _unary("arcsin_half", lambda x: fnp.arcsin(fnp.tanh(x) * 0.5),
           lambda x: np.arcsin(np.tanh(x) * 0.5)),
    _unary("sigmoid", nn.sigmoid, _np_sigmoid), _unary("softplus", nn.softplus, _np_softplus),
    _unary("relu", nn.relu, lambda x: np.maximum(x, 0)),
    _unary("expm1_tanh", lambda x: fnp.expm1(fnp.tanh(x)), lambda x: np.expm1(np.tanh(x))),
    _unary("sinc", smooth=True),
    _unary("scale_weak", lambda x: x * 0.5 + 1.0, lambda x: x * 0.5 + 1.0),
    _unary("pow_int", lambda x: x ** 2, lambda x: x ** 2),
    _unary("rpow", lambda x: 2.0 ** fnp.tanh(x), lambda x: 2.0 ** np.tanh(x)),
    # a ufunc of a Python float is a strong float64 in numpy
    _unary("ufunc_of_float", lambda x: fnp.sin(2.0) * x, lambda x: np.sin(2.0) * x),
    _unary("sign_mul", lambda x: fnp.sign(x) * x, lambda x: np.sign(x) * x),
    _unary("floor_add", lambda x: fnp.floor(x) + x, lambda x: np.floor(x) + x, smooth=False),
    # binary, with broadcasting
    _binary("add"), _binary("subtract"), _binary("multiply"),
    _binary("div_safe", lambda x, y: x / (1.0 + y * y), lambda x, y: x / (1.0 + y * y)),
    _binary("maximum"), _binary("minimum"),
    _binary("arctan2_safe", lambda x, y: fnp.arctan2(x, y * y + 1.0),
            lambda x, y: np.arctan2(x, y * y + 1.0)),
    _binary("hypot_safe", lambda x, y: fnp.hypot(x, y * y + 1.0),
            lambda x, y: np.hypot(x, y * y + 1.0)),
    _binary("logaddexp"),
    _binary("where_gt", lambda x, y: fnp.where(x > y, x, y * 0.5),
            lambda x, y: np.where(x > y, x, y * 0.5), smooth=False),
    _binary("pow_pos", lambda x, y: (x * x + 1.0) ** fnp.tanh(y),
            lambda x, y: (x * x + 1.0) ** np.tanh(y)),
    # reductions
    _reduction("sum"), _reduction("mean"), _reduction("max"),
    _reduction("min"), _reduction("prod"),
    Op("var", 1, fnp.var, np.var, True, lambda s: math.prod(s) > 1 and 0 not in s,
       lambda rng, shapes: {} if len(shapes[0]) == 0 or rng.integers(2) else
       {"axis": int(rng.integers(-len(shapes[0]), len(shapes[0])))}),
    Op("cumsum", 1, fnp.cumsum, np.cumsum, True, lambda s: True, _axis_param),
    Op("softmax", 1, nn.softmax, _np_softmax, True, _nonempty_nd, _axis_param),
    Op("logsumexp", 1, nn.logsumexp, _np_logsumexp, True, _nonempty_nd, _axis_param),
    # not differentiable at 0, which empty and all-zero operands reach exactly
    Op("norm", 1, fnp.linalg.norm, np.linalg.norm, False, lambda s: True),
    # structure
    Op("reshape", 1, lambda x, newshape: fnp.reshape(x, newshape),
       lambda x, newshape: np.reshape(x, newshape), True, lambda s: True, _reshape_params),
    Op("transpose", 1, lambda x, axes: fnp.transpose(x, axes),
       lambda x, axes: np.transpose(x, axes), True, lambda s: True, _transpose_params),
    Op("index", 1, lambda x, index: x if index is None else x[index],
       lambda x, index: x if index is None else np.asarray(x)[index], True, lambda s: True,
       _index_params),
    Op("expand_dims", 1, lambda x: fnp.expand_dims(x, 0), lambda x: np.expand_dims(x, 0)),
    Op("flip", 1, lambda x: fnp.flip(x), lambda x: np.flip(x)),
    Op("concatenate", 2, lambda x, y, axis: fnp.concatenate([x, y], axis=axis),
       lambda x, y, axis: np.concatenate([x, y], axis=axis), True, lambda a, b: True,
       _concat_params),
    Op("stack", 2, lambda x, y: fnp.stack([x, y]), lambda x, y: np.stack([x, y]), True,
       lambda a, b: a == b),
    Op("matmul", 2, fnp.matmul, np.matmul, True, _matmul_applies),
    Op("outer", 2, fnp.outer, np.outer, True, lambda a, b: math.prod(a) * math.prod(b) < 64),
    Op("tensordot0", 2, lambda x, y: fnp.tensordot(x, y, axes=0),
       lambda x, y: np.tensordot(x, y, axes=0), True,
       lambda a, b: len(a) + len(b) <= 4 and math.prod(a) * math.prod(b) < 64),
    Op("broadcast_to", 2, lambda x, y: fnp.broadcast_to(x, np.broadcast_shapes(
        fnp.shape(x), fnp.shape(y))) + 0 * y,
       lambda x, y: np.broadcast_to(x, np.broadcast_shapes(np.shape(x), np.shape(y))) + 0 * y,
       True, _broadcastable),
    Op("tile", 1, lambda x: fnp.tile(x, 2), lambda x: np.tile(x, 2)),
    Op("pad", 1, lambda x: fnp.pad(x, 1), lambda x: np.pad(x, 1)),
    Op("clip", 1, lambda x: fnp.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0)),
    Op("sort", 1, lambda x: fnp.sort(x), lambda x: np.sort(x), True, lambda s: len(s) >= 1),
]
OPS_BY_NAME = {op.name: op for op in OPS}

# --------------------------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------------------------

BASE_SHAPES = [(), (1,), (3,), (2, 3), (3, 1), (2, 1, 3), (0,), (2, 0), (4, 3)]


def _suffixes(shape, rng):
    """Shapes that broadcast against ``shape``: its suffixes, some axes set to 1."""
    k = int(rng.integers(0, len(shape) + 1))
    s = list(shape[len(shape) - k:])
    for i in range(len(s)):
        if rng.random() < 0.25:
            s[i] = 1
    return tuple(s)


@dataclasses.dataclass
class Program:
    seed: int
    dtype: np.dtype
    inputs: list                     # input values (numpy arrays, numpy or Python scalars)
    steps: list                      # (op name, operand positions, params)

    def run(self, *args, ours: bool = True):
        return self.values(*args, ours=ours)[-1]

    def values(self, *args, ours: bool = True) -> list:
        """The inputs and every intermediate value, in order (the last is the output)."""
        pool = list(args)
        for name, positions, params in self.steps:
            op = OPS_BY_NAME[name]
            fn = op.ours if ours else op.ref
            pool.append(fn(*[pool[i] for i in positions], **params))
        return pool

    @property
    def smooth(self) -> bool:
        return all(OPS_BY_NAME[name].smooth for name, _, _ in self.steps)

    def describe(self) -> str:
        ins = ", ".join(f"{type(x).__name__}{np.shape(x)}:{np.asarray(x).dtype}"
                        for x in self.inputs)
        body = "; ".join(f"v{len(self.inputs) + k} = {n}({', '.join(f'v{i}' for i in pos)}"
                         f"{''.join(f', {a}={v!r}' for a, v in par.items())})"
                         for k, (n, pos, par) in enumerate(self.steps))
        return f"seed={self.seed} dtype={self.dtype} inputs=({ins}) :: {body}"


def _make_input(shape, dtype, rng):
    value = rng.uniform(-2.0, 2.0, size=shape)
    if shape == ():  # a Python float is weakly typed: it stays float32 beside float32
        kind = rng.integers(3)
        if kind == 0:
            return float(value)                 # a Python float
        if kind == 1:
            return np.float64(value)            # a numpy scalar
    return np.asarray(value, dtype)


def make_program(seed: int, max_steps: int = 30) -> Program:
    """The program named ``seed``: 1-3 inputs of broadcast-compatible shapes, 1-max_steps
    operations drawn from OPS whose operands fit."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(np.float32) if rng.random() < 0.25 else np.dtype(np.float64)
    base = BASE_SHAPES[int(rng.integers(len(BASE_SHAPES)))]
    n_in = int(rng.integers(1, 4))
    inputs = [_make_input(base if i == 0 else _suffixes(base, rng), dtype, rng)
              for i in range(n_in)]
    shapes = [np.shape(x) for x in inputs]
    steps = []
    n_steps = int(rng.integers(1, max_steps + 1))
    for _ in range(50 * n_steps):
        if len(steps) == n_steps:
            break
        op = OPS[int(rng.integers(len(OPS)))]
        # prefer recent values, so programs are chains rather than bushes
        positions = [int(len(shapes) - 1 - min(rng.geometric(0.4) - 1, len(shapes) - 1))
                     for _ in range(op.arity)]
        operand_shapes = [shapes[i] for i in positions]
        if not op.applies(*operand_shapes):
            continue
        params = op.params(rng, operand_shapes) if op.params else {}
        if params is None:
            continue
        try:
            with np.errstate(all="ignore"):
                out = op.ref(*[np.zeros(s, dtype) + 0.5 for s in operand_shapes], **params)
        except (ValueError, TypeError, IndexError):
            continue
        if np.size(out) > 256 or np.ndim(out) > 4:
            continue
        steps.append((op.name, positions, params))
        shapes.append(np.shape(out))
    return Program(seed, dtype, inputs, steps)
