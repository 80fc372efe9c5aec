"""API paths of JAX's own examples/ programs, as short programs of our own.

JAX's newton_method.py and bfgs_method.py keep a list of iterates while updating
``x_0 += alpha * dk[0]``: every Array must rebind on ``+=`` (JAX's semantics), also the
writeable ones numpy's operators make, or the stored iterates change under the user's feet.
"""
import numpy as np

import fungrad as jax
import fungrad.numpy as jnp

def test_in_place_update_of_an_operator_result_keeps_stored_iterates():
    x = jnp.array([1.0, 2.0])
    iterates = [x]
    for _ in range(3):
        x += 1.0  # the second += acts on a writeable Array that numpy's add made
        iterates.append(x)
    assert [it.tolist() for it in iterates] == [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]]
    y = x * 2.0
    alias = y
    y -= 1.0
    y *= 3.0
    assert alias.tolist() == [8.0, 10.0] and y.tolist() == [21.0, 27.0]

def test_newton_iterates_on_a_quadratic_are_kept():
    """Newton's method as newton_method.py writes it (grad, hessian, inv, +=) on
    f(x) = sum((x - c)^2 * w): one step lands on c, and the first iterate survives."""
    c, w = np.array([3.0, -1.0]), np.array([2.0, 5.0])
    f = lambda x: jnp.sum((x - c) ** 2 * w)
    x_0 = jnp.array([0.0, 0.0])
    trace = []
    for _ in range(2):
        trace.append(x_0)
        g = jax.grad(f)(x_0)
        dk = -jnp.linalg.inv(jax.hessian(f)(x_0)).dot(g.T).reshape(1, -1)
        x_0 += dk[0]
    np.testing.assert_allclose(trace[0], [0.0, 0.0])
    np.testing.assert_allclose(trace[1], c)
    np.testing.assert_allclose(x_0, c)

def test_example_programs_follow_jax():
    """hmm_em.py's and kernel_lsq.py's API paths give JAX's recorded numbers."""
    import os

    from jax_example_programs import PROGRAMS
    recorded = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "jax_examples.npz"))
    for name, program in PROGRAMS.items():
        for key, value in program(jax, jnp).items():
            expected = recorded[f"{name}/{key}"]
            if expected.dtype.kind in "iu":
                np.testing.assert_array_equal(value, expected, err_msg=f"{name}/{key}")
            else:
                np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-12,
                                           err_msg=f"{name}/{key}")
