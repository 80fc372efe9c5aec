"""A small typed user program: pyright and mypy must check it clean (see test_typing.py).

The assignments unpack exactly as many values as each transform returns, so a wrong
overload (a wrong tuple arity or return type) is a type error here."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import fungrad as jax
import fungrad.numpy as jnp


def loss(w: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((w * x) ** 2))


def traced_loss(w: Any, x: Any) -> Any:
    return jnp.sum((w * x) ** 2)


def with_aux(w: Any) -> tuple[Any, dict[str, int]]:
    return jnp.sum(w), {"calls": 1}


w0 = np.ones(3)
x0 = np.arange(3.0)

fast: Callable[[np.ndarray, np.ndarray], float] = jax.jit(loss)
value: float = jax.jit(loss)(w0, x0)
count: int = jax.jit(loss).trace_count

out, pullback = jax.vjp(traced_loss, w0, x0)
cotangents: tuple[Any, ...] = pullback(1.0)
out2, pullback2, aux = jax.vjp(with_aux, w0, has_aux=True)
calls: int = aux["calls"]

primal_out, tangent_out = jax.jvp(traced_loss, (w0, x0), (w0, x0))
p3, t3, aux3 = jax.jvp(with_aux, (w0,), (w0,), has_aux=True)

v, g = jax.value_and_grad(traced_loss)(w0, x0)
(v2, aux4), g2 = jax.value_and_grad(with_aux, has_aux=True)(w0)
calls2: int = aux4["calls"]

gradient = jax.grad(traced_loss)(w0, x0)
is_array: bool = isinstance(gradient, jax.Array)


@jax.jit
def decorated(a: np.ndarray) -> np.ndarray:
    return a * 2.0


@jax.jit(static_argnums=1)
def scaled(a: np.ndarray, k: int) -> np.ndarray:
    return a * k


doubled: np.ndarray = decorated(w0)
tripled: np.ndarray = scaled(w0, 3)
