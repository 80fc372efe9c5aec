"""fungrad in a few lines: define a function, differentiate it, look at what was computed.

    python examples/quickstart.py
"""
import numpy as np

import fungrad
import fungrad.numpy as fnp  # the numpy API, traceable: use it inside functions you transform


def f(x):
    return fnp.sum(fnp.tanh(x) ** 2)


if __name__ == "__main__":
    x = np.array([0.0, 0.5, 1.0])
    df = fungrad.grad(f)  # a new function: the gradient of f
    print("f(x)    =", f(x))
    print("grad(f) =", df(x))  # 2 tanh(x) (1 - tanh(x)^2)
    # grad traced f into an IR, differentiated it and ran it; this prints that IR:
    print(fungrad.make_jaxpr(df)(x))
