"""``fungrad.config``: JAX's runtime flags, read and set the way JAX code does.

    >>> import fungrad
    >>> fungrad.config.jax_enable_x64
    True
    >>> fungrad.config.update("jax_debug_nans", True)
    >>> fungrad.config.jax_debug_nans
    True
    >>> fungrad.config.update("jax_debug_nans", False)

The flags (each also read from the environment variable of its upper-case name at import,
``JAX_DEBUG_NANS=1``, as JAX does):

* ``jax_enable_x64`` -- accepted for compatibility. fungrad always computes in numpy's dtypes:
  float64 by default, float32 kept where the inputs are float32, which is what this flag turns
  on in JAX. Setting it to False warns (fungrad does not downcast to 32 bits).
* ``jax_debug_nans`` -- raise ``FloatingPointError`` at the first primitive whose result
  contains a NaN, naming the primitive and the user's line (eagerly, while tracing with
  values, in backward passes; a jitted function runs equation by equation while it is set).
* ``jax_debug_infs`` -- the same for an inf (``log(0.0)``, ``1.0 / 0.0``), with the same
  machinery: both flags may be set.
* ``jax_disable_jit`` -- ``jit`` calls the Python function itself (see ``disable_jit``).
* ``jax_log_compiles`` / ``jax_explain_cache_misses`` -- log (logger ``fungrad.jit``, level
  WARNING) every trace of a jitted function, with the reason: a new signature (which
  arguments changed shape or dtype) or a new control path (which guard failed).
* ``jax_traceback_filtering`` -- a string: ``"auto"`` (default) removes fungrad's own frames
  from the tracebacks of errors leaving its transforms, ``"off"`` keeps them (see
  ``fungrad.traceback_util`` for the other modes). Read at import from
  ``FUNGRAD_TRACEBACK_FILTERING`` or ``JAX_TRACEBACK_FILTERING``.
"""
from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from fungrad import core, traceback_util

__all__ = ["config", "Config", "disable_jit", "debug_nans", "debug_infs"]

_DEFAULTS: dict[str, bool | str] = {
    "jax_enable_x64": True,
    "jax_debug_nans": False,
    "jax_debug_infs": False,
    "jax_disable_jit": False,
    "jax_log_compiles": False,
    "jax_explain_cache_misses": False,
    "jax_traceback_filtering": "auto",
}

# flags the layers below read on their hot paths, mirrored into core's dictionary
_CORE_KEYS = {"jax_debug_nans": "check_nans", "jax_debug_infs": "check_infs",
              "jax_disable_jit": "disable_jit",
              "jax_log_compiles": "log_compiles", "jax_explain_cache_misses": "log_compiles"}


def _env_flag(name: str, default: bool | str) -> bool | str:
    if isinstance(default, str):  # a string flag; fungrad's own variable first
        value = os.environ.get("FUNGRAD_" + name[len("jax_"):].upper(),
                               os.environ.get(name.upper()))
        return default if value is None else value.strip().lower()
    value = os.environ.get(name.upper())
    if value is None:
        return default
    return value.strip().lower() not in ("", "0", "false", "no", "off")


class Config:
    """The flag store behind ``fungrad.config``: ``update(name, value)`` sets a flag, reading
    ``config.<name>`` gets it. Unknown names raise AttributeError, as JAX's do.

    >>> import fungrad
    >>> fungrad.config.update("jax_disable_jit", True)
    >>> fungrad.jit(lambda x: x + 1.0).__call__(1.0), fungrad.config.jax_disable_jit
    (2.0, True)
    >>> fungrad.config.update("jax_disable_jit", False)
    """

    def __init__(self) -> None:
        self._values: dict[str, bool | str] = {}
        for name, default in _DEFAULTS.items():
            try:
                self._set(name, _env_flag(name, default))
            except ValueError as e:  # a bad environment variable must not break the import
                warnings.warn(f"fungrad.config: {e}; using {default!r}", stacklevel=2)
                self._set(name, default)

    def _set(self, name: str, value: bool | str) -> None:
        if name == "jax_traceback_filtering":
            traceback_util.set_mode(str(value))
        self._values[name] = value
        key = _CORE_KEYS.get(name)
        if key == "log_compiles":  # either flag turns logging on
            core._config[key] = (self._values.get("jax_log_compiles", False)
                                 or self._values.get("jax_explain_cache_misses", False))
        elif key is not None:
            core._config[key] = value
            # the one switch every evaluation path tests: some float check is on
            core._config["debug_nans"] = bool(core._config["check_nans"]
                                              or core._config["check_infs"])
            core.update_eager_mode()

    def update(self, name: str, value: Any) -> None:
        """Set flag ``name`` to ``value`` (a bool).

        >>> import fungrad
        >>> fungrad.config.update("jax_enable_x64", True)  # fungrad is 64-bit already
        >>> fungrad.config.update("jax_no_such_flag", True)
        Traceback (most recent call last):
        ...
        AttributeError: fungrad.config has no flag 'jax_no_such_flag'; known flags: jax_debug_infs, jax_debug_nans, jax_disable_jit, jax_enable_x64, jax_explain_cache_misses, jax_log_compiles, jax_traceback_filtering
        """
        if name not in _DEFAULTS:
            raise AttributeError(f"fungrad.config has no flag {name!r}; known flags: "
                                 f"{', '.join(sorted(_DEFAULTS))}")
        if isinstance(_DEFAULTS[name], str):
            self._set(name, value if isinstance(value, str) else repr(value))
            return
        if not isinstance(value, (bool, int)):
            raise TypeError(f"fungrad.config.update({name!r}, ...): expected a bool, got "
                            f"{type(value).__name__} {value!r}")
        if name == "jax_enable_x64" and not value:
            warnings.warn("fungrad.config: jax_enable_x64=False has no effect; fungrad "
                          "computes in numpy's dtypes (float64 by default, float32 where the "
                          "inputs are float32)", stacklevel=2)
        self._set(name, bool(value))

    def read(self, name: str) -> bool | str:
        """The value of flag ``name``.

        >>> import fungrad
        >>> fungrad.config.read("jax_debug_nans")
        False
        """
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"fungrad.config has no flag {name!r}") from None

    def __getattr__(self, name: str) -> bool | str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.read(name)

    @property
    def values(self) -> dict[str, bool | str]:
        """All flags and their values (a copy).

        >>> import fungrad
        >>> fungrad.config.values["jax_enable_x64"]
        True
        """
        return dict(self._values)

    def __repr__(self) -> str:
        return f"fungrad.config({self._values})"


config = Config()


@contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Inside the block ``jit`` runs the Python function itself, op by op (for debugging:
    ``print`` shows values, breakpoints stop).

    >>> import fungrad
    >>> f = fungrad.jit(lambda x: x * 2.0)
    >>> with fungrad.disable_jit():
    ...     _ = f(1.0)
    >>> f.trace_count
    0
    """
    with _flag_set("jax_disable_jit", disable):
        yield


@contextmanager
def debug_nans(enable: bool = True) -> Iterator[None]:
    """Inside the block ``jax_debug_nans`` is ``enable``: a primitive producing a NaN raises
    FloatingPointError there (``False`` lets NaNs through where the flag is set globally).

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> with fungrad.debug_nans(True), np.errstate(invalid="ignore"):
    ...     try:
    ...         fnp.log(-1.0)
    ...     except FloatingPointError:
    ...         print("caught")
    caught
    >>> fungrad.config.jax_debug_nans
    False
    """
    with _flag_set("jax_debug_nans", enable):
        yield


@contextmanager
def debug_infs(enable: bool = True) -> Iterator[None]:
    """Inside the block ``jax_debug_infs`` is ``enable``: a primitive producing an inf raises
    FloatingPointError there.

    >>> import numpy as np, fungrad, fungrad.numpy as fnp
    >>> with fungrad.debug_infs(True), np.errstate(divide="ignore"):
    ...     try:
    ...         fnp.log(0.0)
    ...     except FloatingPointError as e:
    ...         print(str(e).split(" (called")[0])
    invalid value (inf) encountered in log
    >>> fungrad.config.jax_debug_infs
    False
    """
    with _flag_set("jax_debug_infs", enable):
        yield


@contextmanager
def _flag_set(name: str, value: Any) -> Iterator[None]:
    """``config`` flag ``name`` is ``value`` inside the block, and what it was after it."""
    old = config.read(name)
    config.update(name, value)
    try:
        yield
    finally:
        config.update(name, old)
