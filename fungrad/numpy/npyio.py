"""numpy's files: save, savez and load (fungrad arrays are numpy arrays to numpy)."""
from __future__ import annotations

import numpy as np

from fungrad.core import Tracer


def _concrete(x, func: str):
    if isinstance(x, Tracer):
        raise TypeError(f"fungrad.numpy.{func}: cannot save a traced array "
                        f"{x.aval.str_short()}; save the result outside the transform")
    return np.asarray(x)


def save(file, arr, allow_pickle: bool = True):
    """numpy.save: one array to a ``.npy`` file.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> save(path, np.array([1.0, 2.0])); load(path)
    array([1., 2.])
    """
    np.save(file, _concrete(arr, "save"), allow_pickle=allow_pickle)


def savez(file, *args, **kwds):
    """numpy.savez: several arrays to one ``.npz`` file.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> savez(path, a=np.ones(2)); load(path)["a"]
    array([1., 1.])
    """
    np.savez(file, *[_concrete(a, "savez") for a in args],
             **{k: _concrete(v, "savez") for k, v in kwds.items()})


def load(file, *args, **kwargs):
    """numpy.load: arrays from ``.npy`` / ``.npz`` files (see ``save``).

    >>> import io
    >>> buf = io.BytesIO(); save(buf, np.arange(3)); _ = buf.seek(0); load(buf)
    array([0, 1, 2])
    """
    return np.load(file, *args, **kwargs)
