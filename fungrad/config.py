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
* ``jax_numpy_rank_promotion`` -- ``"allow"`` (default), ``"warn"`` or ``"raise"`` when a
  binary operation of the user's broadcasts operands of different ranks (``x[3] + y[2, 3]``;
  scalars are fine), with JAX's ValueError or warning.
* ``jax_numpy_dtype_promotion`` -- ``"standard"`` (numpy's NEP 50 promotion, the default) or
  ``"strict"``: a binary operation on different dtypes raises ``TypePromotionError``, except
  for a Python scalar beside an array of a kind it fits (JAX's strict lattice). Both checks
  are described in ``fungrad.promotion``.
* The rest of JAX's flags that a single CPU meets (``jax_check_tracer_leaks``,
  ``jax_default_matmul_precision``, the transfer guards, ...) are accepted with the value
  checked, each documented on its function (``fungrad.transfer_guard`` and the rest, see
  ``State``); values fungrad cannot honour (``jax_debug_key_reuse=True``,
  ``jax_threefry_partitionable=False``) raise NotImplementedError rather than be ignored.
"""
from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

from fungrad import core, promotion, traceback_util

__all__ = ["config", "Config", "disable_jit", "debug_nans", "debug_infs"]

_DEFAULTS: dict[str, bool | str] = {
    "jax_enable_x64": True,
    "jax_debug_nans": False,
    "jax_debug_infs": False,
    "jax_disable_jit": False,
    "jax_log_compiles": False,
    "jax_explain_cache_misses": False,
    "jax_traceback_filtering": "auto",
    # the flags below are JAX's, each with what it means on one CPU (see ``State``)
    "jax_numpy_rank_promotion": "allow",
    "jax_numpy_dtype_promotion": "standard",
    "jax_check_tracer_leaks": False,
    "jax_enable_checks": False,
    "jax_debug_key_reuse": False,
    "jax_threefry_partitionable": True,
    "jax_default_matmul_precision": "",
    "jax_default_device": "",
    "jax_default_prng_impl": "threefry2x32",
    "jax_softmax_custom_jvp": False,
    "jax_transfer_guard": "",
    "jax_transfer_guard_host_to_device": "",
    "jax_transfer_guard_device_to_host": "",
    "jax_transfer_guard_device_to_device": "",
}

# the values a string flag accepts ("" is unset), and the ones fungrad cannot honour
_CHOICES: dict[str, tuple[str, ...]] = {
    "jax_numpy_rank_promotion": ("allow", "warn", "raise"),
    "jax_numpy_dtype_promotion": ("standard", "strict"),
    "jax_default_matmul_precision": ("", "default", "high", "highest", "bfloat16",
                                     "tensorfloat32", "float32", "bfloat16_3x", "fastest",
                                     "ANY_F8_ANY_F8_F32", "F16_F16_F32", "BF16_BF16_F32",
                                     "BF16_BF16_F32_X3", "BF16_BF16_F32_X6", "TF32_TF32_F32",
                                     "TF32_TF32_F32_X3", "F32_F32_F32", "F64_F64_F64"),
    "jax_default_device": ("", "cpu"),
    "jax_default_prng_impl": ("threefry2x32",),
    **{name: ("", "allow", "log", "disallow", "log_explicit", "disallow_explicit")
       for name in ("jax_transfer_guard", "jax_transfer_guard_host_to_device",
                    "jax_transfer_guard_device_to_host", "jax_transfer_guard_device_to_device")},
}
# values JAX accepts that would change results fungrad cannot change: refused, never ignored
_UNSUPPORTED: dict[str, tuple[Any, str]] = {
    "jax_debug_key_reuse": (True, "fungrad does not track PRNG key reuse"),
    "jax_threefry_partitionable": (False, "fungrad's random bits are JAX 0.10's default "
                                          "(partitionable) ones only"),
}
# the flags fungrad.promotion checks binary operations by
_PROMOTION_KEYS = {"jax_numpy_rank_promotion": "rank", "jax_numpy_dtype_promotion": "dtype"}

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
            except (ValueError, NotImplementedError) as e:  # a bad variable must not break
                # the import
                warnings.warn(f"fungrad.config: {e}; using {default!r}", stacklevel=2)
                self._set(name, default)

    def _set(self, name: str, value: bool | str) -> None:
        if name == "jax_traceback_filtering":
            traceback_util.set_mode(str(value))
        choices = _CHOICES.get(name)
        if choices is not None and value not in choices:
            raise ValueError(f"fungrad.config: {name} must be one of "
                             f"{', '.join(repr(c) for c in choices if c)}, got {value!r}")
        refused, why = _UNSUPPORTED.get(name, ((), ""))
        if value in (refused if isinstance(refused, tuple) else (refused,)):
            raise NotImplementedError(f"fungrad.config: {name}={value!r} is not supported: "
                                      f"{why}")
        self._values[name] = value
        if name in _PROMOTION_KEYS:
            promotion.set_mode(_PROMOTION_KEYS[name], str(value))
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
        """Set flag ``name`` to ``value`` (a bool, or a string for the string flags).

        >>> import fungrad
        >>> fungrad.config.update("jax_enable_x64", True)  # fungrad is 64-bit already
        >>> fungrad.config.update("jax_no_such_flag", True)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AttributeError: fungrad.config has no flag 'jax_no_such_flag'; known flags: jax_check_tracer_leaks, ...
        """
        if name not in _DEFAULTS:
            raise AttributeError(f"fungrad.config has no flag {name!r}; known flags: "
                                 f"{', '.join(sorted(_DEFAULTS))}")
        if isinstance(_DEFAULTS[name], str):
            if name == "jax_default_device":
                value = _device_name(value)
            elif name == "jax_default_matmul_precision":
                value = _precision_name(value)
            elif value is None and name.startswith("jax_transfer_guard"):
                value = ""
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

    def read(self, name: str) -> bool | str | None:
        """The value of flag ``name`` (None for a string flag that is unset, as in JAX).

        >>> import fungrad
        >>> fungrad.config.read("jax_debug_nans"), fungrad.config.jax_default_device
        (False, None)
        """
        try:
            value = self._values[name]
        except KeyError:
            raise AttributeError(f"fungrad.config has no flag {name!r}") from None
        return None if value == "" else value

    def __getattr__(self, name: str) -> bool | str | None:
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


def _device_name(device: Any) -> str:
    """The platform of a ``default_device`` value: None, ``"cpu"`` or a CPU ``Device``."""
    if device is None or device == "":
        return ""
    if getattr(device, "platform", None) == "cpu" or device == "cpu":
        return "cpu"
    raise ValueError(f"fungrad.default_device: fungrad computes on the CPU only, got {device!r}")


def _precision_name(precision: Any) -> str:
    """``default_matmul_precision`` accepts a name or a ``lax.Precision``."""
    if precision is None:
        return ""
    name = getattr(precision, "name", precision)  # a Precision enum member
    return name.lower() if isinstance(name, str) and name.isupper() and "_" not in name \
        else name


class State:
    """One of JAX's flags as a function: ``with fungrad.numpy_rank_promotion("raise"):`` sets
    it inside the block, ``.value`` reads it (the same flag as ``config.<name>``).

    >>> import fungrad
    >>> with fungrad.log_compiles(True):
    ...     fungrad.config.jax_log_compiles, fungrad.log_compiles.value
    (True, True)
    >>> fungrad.log_compiles.value
    False
    """

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    @property
    def value(self) -> Any:
        """The flag's current value (None for an unset string flag, as in JAX).

        >>> import fungrad
        >>> fungrad.numpy_rank_promotion.value, fungrad.default_device.value
        ('allow', None)
        """
        return config.read(self.name)

    @contextmanager
    def __call__(self, new_val: Any = True) -> Iterator[None]:
        with _flag_set(self.name, new_val):
            yield

    def __repr__(self) -> str:
        return f"fungrad.config.State({self.name}={self.value!r})"


enable_x64 = State("jax_enable_x64", """``with enable_x64(True):`` -- fungrad is 64-bit always
(numpy's dtypes: float64 by default, float32 kept where inputs are float32), so True changes
nothing and False warns that it has no effect.

    >>> import fungrad, fungrad.numpy as fnp
    >>> with fungrad.enable_x64(True):
    ...     fnp.ones(2).dtype
    dtype('float64')
""")
numpy_rank_promotion = State("jax_numpy_rank_promotion", """``"allow"`` (default),
``"warn"`` or ``"raise"``: what a binary operation of the user's does when it broadcasts
operands of different ranks, neither a scalar (see ``fungrad.promotion``).

    >>> import numpy as np, fungrad
    >>> with fungrad.numpy_rank_promotion("raise"):  # doctest: +ELLIPSIS
    ...     fungrad.numpy.ones(3) + fungrad.numpy.ones((2, 3))
    Traceback (most recent call last):
    ...
    ValueError: Operands could not be broadcast together for add on shapes (3,) (2, 3) and ...
    >>> with fungrad.numpy_rank_promotion("raise"):
    ...     fungrad.numpy.ones(3) + 1.0
    array([2., 2., 2.])
""")
numpy_dtype_promotion = State("jax_numpy_dtype_promotion", """``"standard"`` (numpy's NEP 50
promotion, the default) or ``"strict"``: a binary operation of the user's on different dtypes
raises ``fungrad.dtypes.TypePromotionError``, unless the odd one out is a Python scalar of a
kind that fits (see ``fungrad.promotion``).

    >>> import numpy as np, fungrad
    >>> x = fungrad.numpy.ones(2, np.float32)
    >>> with fungrad.numpy_dtype_promotion("strict"):
    ...     (x * 2.0).dtype
    dtype('float32')
    >>> with fungrad.numpy_dtype_promotion("strict"):  # doctest: +ELLIPSIS
    ...     x + np.ones(2)
    Traceback (most recent call last):
    ...
    fungrad.promotion.TypePromotionError: Input dtypes ('float32', 'float64') have no ...
""")
check_tracer_leaks = State("jax_check_tracer_leaks", """Accepted, and always on in effect:
fungrad raises ``UnexpectedTracerError`` when a leaked tracer is used (JAX's flag adds a check
when the transform ends; fungrad's check comes at the first use of the leaked value).

    >>> import fungrad
    >>> with fungrad.check_tracer_leaks(True):
    ...     fungrad.jit(lambda x: x * 2.0)(1.0)
    Array(2., dtype=float64)
""")
enable_checks = State("jax_enable_checks", """Accepted for compatibility: JAX's internal
self-checks. fungrad always checks the abstract values of every primitive it binds.

    >>> import fungrad
    >>> with fungrad.enable_checks(True):
    ...     fungrad.config.jax_enable_checks
    True
""")
log_compiles = State("jax_log_compiles", """Log (logger ``fungrad.jit``, level WARNING)
every trace of a jitted function, with its reason.

    >>> import fungrad
    >>> with fungrad.log_compiles():
    ...     fungrad.log_compiles.value
    True
""")
explain_cache_misses = State("jax_explain_cache_misses", """Log why a jitted function was
traced again (which argument changed shape or dtype, which guard failed).

    >>> import fungrad
    >>> with fungrad.explain_cache_misses():
    ...     fungrad.config.jax_explain_cache_misses
    True
""")
debug_key_reuse = State("jax_debug_key_reuse", """JAX's check that a PRNG key is used once:
fungrad does not track key reuse, so ``debug_key_reuse(True)`` raises NotImplementedError
rather than promise a check it does not make; ``False`` is accepted.

    >>> import fungrad
    >>> with fungrad.debug_key_reuse(False):
    ...     fungrad.debug_key_reuse.value
    False
""")
threefry_partitionable = State("jax_threefry_partitionable", """How threefry counters are
derived. fungrad's bits are JAX 0.10's default (True); False, which would give other random
numbers, raises NotImplementedError.

    >>> import fungrad
    >>> fungrad.threefry_partitionable.value
    True
""")
default_matmul_precision = State("jax_default_matmul_precision", """The default precision of
matmuls and convolutions (``"bfloat16"``, ``"tensorfloat32"``, ``"float32"``, ``"highest"``,
...): numpy computes every product in the full precision of its dtype, which meets each of
them, so the names are checked and accepted.

    >>> import fungrad
    >>> with fungrad.default_matmul_precision("float32"):
    ...     fungrad.default_matmul_precision.value
    'float32'
""")
default_device = State("jax_default_device", """The device new arrays go to: None, ``"cpu"``
or fungrad's one CPU device (any other platform raises ValueError).

    >>> import fungrad
    >>> with fungrad.default_device(fungrad.devices()[0]):
    ...     fungrad.default_device.value
    'cpu'
""")
default_prng_impl = State("jax_default_prng_impl", """The PRNG implementation:
``"threefry2x32"``, the only one fungrad has (others raise ValueError).

    >>> import fungrad
    >>> fungrad.default_prng_impl.value
    'threefry2x32'
""")
softmax_custom_jvp = State("jax_softmax_custom_jvp", """Accepted for compatibility: fungrad's
softmax derivative is the same whichever way JAX's flag is set.

    >>> import fungrad
    >>> fungrad.softmax_custom_jvp.value
    False
""")

_TRANSFER_DOC = """``{name}(level)``: ``"allow"``, ``"log"``, ``"disallow"``, ``"log_explicit"``
or ``"disallow_explicit"``. Accepted and checked: fungrad keeps every array in numpy's host
memory, so no transfer between devices ever happens and none is guarded.

    >>> import fungrad
    >>> with fungrad.{name}("disallow"):
    ...     fungrad.{name}.value
    'disallow'
"""
transfer_guard_host_to_device = State(
    "jax_transfer_guard_host_to_device",
    _TRANSFER_DOC.format(name="transfer_guard_host_to_device"))
transfer_guard_device_to_host = State(
    "jax_transfer_guard_device_to_host",
    _TRANSFER_DOC.format(name="transfer_guard_device_to_host"))
transfer_guard_device_to_device = State(
    "jax_transfer_guard_device_to_device",
    _TRANSFER_DOC.format(name="transfer_guard_device_to_device"))


@contextmanager
def transfer_guard(new_val: str) -> Iterator[None]:
    """All three transfer guards at once (see ``transfer_guard_host_to_device``): checked
    and accepted, as no transfer happens in fungrad.

    >>> import fungrad
    >>> with fungrad.transfer_guard("log"):
    ...     fungrad.transfer_guard_device_to_host.value
    'log'
    """
    with _flag_set("jax_transfer_guard", new_val), \
            transfer_guard_host_to_device(new_val), transfer_guard_device_to_host(new_val), \
            transfer_guard_device_to_device(new_val):
        yield


def checking_leaks() -> Any:
    """``with checking_leaks():`` is ``check_tracer_leaks(True)``.

    >>> import fungrad
    >>> with fungrad.checking_leaks():
    ...     fungrad.check_tracer_leaks.value
    True
    """
    return check_tracer_leaks(True)
