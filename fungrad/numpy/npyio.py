"""Arrays to and from the world outside: numpy's files (save, savez, load, fromfile), text
(array_repr, array_str) and DLPack (from_dlpack). fungrad arrays are numpy arrays to numpy.
"""
from __future__ import annotations

import os

import numpy as np

from fungrad.array import wrap
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


def fromfile(*args, **kwargs):
    """numpy.fromfile: an array read from a binary or text file, eagerly. (JAX refuses it,
    since reading a file is a side effect a compiled function would lose; fungrad reads when
    called, so under ``jit`` the data read at tracing time becomes a constant.)

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
    >>> np.array([1.0, 2.0]).tofile(path); fromfile(path)
    array([1., 2.])
    """
    file = args[0] if args else kwargs.get("file")
    if not isinstance(file, (str, bytes, os.PathLike)) and not hasattr(file, "fileno"):
        raise TypeError(f"fungrad.numpy.fromfile: file must be a path or an open file, got "
                        f"{type(file).__name__}")
    try:
        return wrap(np.fromfile(*args, **kwargs))
    except OSError as exc:
        raise ValueError(f"fungrad.numpy.fromfile: cannot read {file!r}: {exc}") from exc


def from_dlpack(x, /, *, device=None, copy: bool | None = None):
    """numpy.from_dlpack: an array sharing the memory of any object that exports DLPack
    (``__dlpack__``), on the CPU. ``device`` is accepted for JAX's signature; only the CPU
    (``None`` or ``"cpu"``) is meaningful here.

    >>> from_dlpack(np.arange(3.0))
    array([0., 1., 2.])
    """
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"fungrad.numpy.from_dlpack: x must export DLPack (__dlpack__), got "
                        f"{type(x).__name__}")
    if device not in (None, "cpu"):
        raise ValueError(f"fungrad.numpy.from_dlpack: fungrad runs on the CPU only; got "
                         f"device={device!r}")
    return wrap(np.from_dlpack(x, copy=copy))


def _printable(a, func: str):
    if not isinstance(a, (np.ndarray, np.generic, Tracer, bool, int, float, complex)):
        raise TypeError(f"fungrad.numpy.{func}: expected an array, got {type(a).__name__}")
    if isinstance(a, Tracer):  # a string made while tracing would not follow new inputs
        raise TypeError(f"fungrad.numpy.{func}: cannot print a traced array "
                        f"{a.aval.str_short()}; use fungrad.debug.print inside transforms")
    return np.asarray(a)


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    """numpy.array_repr: the text ``repr`` gives an array, with numpy's print options.

    >>> array_repr(np.array([1.0, 2.5]))
    'array([1. , 2.5])'
    """
    return np.array_repr(_printable(arr, "array_repr"), max_line_width, precision,
                         suppress_small)


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    """numpy.array_str: the text ``str`` gives an array, with numpy's print options.

    >>> array_str(np.array([1.0, 2.5]), precision=2)
    '[1.  2.5]'
    """
    return np.array_str(_printable(a, "array_str"), max_line_width, precision, suppress_small)
