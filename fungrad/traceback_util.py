"""Errors and warnings that point at the user's code, not at fungrad's insides.

An exception raised while fungrad traces or transforms a function travels through many of
fungrad's own frames (the trace, the interpreter, the rule of a primitive) before it reaches
the user. As JAX does, each public entry point is an *API boundary*: when an exception leaves
the outermost one, the frames inside fungrad are removed from its traceback, and a note says
so and how to see them. Nothing happens while no exception propagates (a ``try`` costs
nothing in Python 3.11), and nothing is done per primitive.

The mode is the flag ``jax_traceback_filtering`` (``fungrad.config``), read at import from
``FUNGRAD_TRACEBACK_FILTERING`` or ``JAX_TRACEBACK_FILTERING``:

* ``"auto"`` (the default) or ``"quiet_remove_frames"``: remove fungrad's frames, add a note;
* ``"remove_frames"``: remove them, and chain the unfiltered traceback as the ``__cause__``
  (an ``UnfilteredStackTrace``);
* ``"tracebackhide"``: keep every frame, mark fungrad's with ``__tracebackhide__`` (IPython
  and pytest hide those);
* ``"off"``: leave tracebacks alone.

numpy's RuntimeWarnings (``log(0)``, overflow) are issued from numpy's C code, which names
the innermost Python frame: a line inside fungrad. Python 3.11's ``warnings`` has no
``skip_file_prefixes``, so the one place that sees a warning after its location is fixed --
``warnings._showwarnmsg``, the hook the standard library documents as replaceable -- moves
a warning attributed to fungrad (or to numpy called by fungrad) to the first frame outside
them, and issues it again from there (so filters and the once-per-location registry apply
to the user's line). That costs nothing until a warning is shown.

>>> import warnings, numpy as np, fungrad, fungrad.numpy as fnp
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     _ = fungrad.grad(lambda x: fnp.log(x))(0.0)
>>> [(str(w.message), is_internal_filename(w.filename)) for w in caught]
[('divide by zero encountered in log', False), ('divide by zero encountered in reciprocal', False)]
"""
from __future__ import annotations

import functools
import os
import sys
import types
import warnings
from typing import Any, Callable, TypeVar

__all__ = ["api_boundary", "filter_traceback", "UnfilteredStackTrace", "set_mode",
           "is_internal_filename", "in_module_of"]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.abspath(__import__("numpy").__file__)) + os.sep
MODES = ("auto", "quiet_remove_frames", "remove_frames", "tracebackhide", "off")
_mode = ["auto"]

_NOTE = ("--------------------\nFor simplicity, fungrad has removed its internal frames "
         "from the traceback of the following exception. Set "
         "FUNGRAD_TRACEBACK_FILTERING=off (or fungrad.config.update("
         "'jax_traceback_filtering', 'off')) to include these.")


class UnfilteredStackTrace(Exception):
    """The traceback with fungrad's frames, chained as the ``__cause__`` of an exception in
    ``remove_frames`` mode.

    >>> str(UnfilteredStackTrace("the original"))
    'the original'
    """


def set_mode(mode: str) -> None:
    """Set how tracebacks are filtered (one of ``MODES``; ``fungrad.config`` calls this).

    >>> set_mode("off"); set_mode("auto")
    >>> set_mode("sometimes")
    Traceback (most recent call last):
    ...
    ValueError: jax_traceback_filtering must be one of auto, quiet_remove_frames, remove_frames, tracebackhide, off; got 'sometimes'
    """
    if mode not in MODES:
        raise ValueError(f"jax_traceback_filtering must be one of {', '.join(MODES)}; "
                         f"got {mode!r}")
    _mode[0] = mode


def is_internal_filename(filename: str) -> bool:
    """Is this a file of fungrad's (or code ``jit`` generated)?

    >>> import fungrad.core
    >>> is_internal_filename(fungrad.core.__file__), is_internal_filename("/home/me/x.py")
    (True, False)
    """
    return filename.startswith(_PACKAGE_DIR) or filename.startswith("<fungrad") or \
        os.path.abspath(filename).startswith(_PACKAGE_DIR)


def filter_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The same chain of frames with fungrad's own left out.

    >>> import traceback, numpy as np, fungrad
    >>> def loss(x):
    ...     return fungrad.numpy.dot(x, x[:1])  # shapes that do not fit
    >>> try:
    ...     fungrad.config.update("jax_traceback_filtering", "off")
    ...     fungrad.grad(loss)(np.ones(3))
    ... except ValueError as e:
    ...     tb = e.__traceback__
    ... finally:
    ...     fungrad.config.update("jax_traceback_filtering", "auto")
    >>> def names(tb):
    ...     return [frame.f_code.co_name for frame, _ in traceback.walk_tb(tb)]
    >>> len(names(tb)) > 5, names(filter_traceback(tb))
    (True, ['<module>', 'loss'])
    """
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    out = None
    for entry in reversed(frames):
        if not is_internal_filename(entry.tb_frame.f_code.co_filename):
            out = types.TracebackType(out, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return out


# the code objects of the boundaries: the outermost one on the stack filters
_BOUNDARY_CODES: set = set()


def _under_another_boundary(frame: types.FrameType | None) -> bool:
    frame = frame.f_back if frame is not None else None
    while frame is not None:
        if frame.f_code in _BOUNDARY_CODES:
            return True
        frame = frame.f_back
    return False


def filter_exception(e: BaseException, frame: types.FrameType | None = None) -> None:
    """What a boundary does with an exception leaving it (``frame``: the boundary's own):
    unless an outer boundary will, remove fungrad's frames from its traceback per the mode.
    The boundary then re-raises with a bare ``raise``, which adds no frame of its own.

    >>> def boundary():
    ...     try:
    ...         fungrad.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    ...     except ValueError as e:
    ...         filter_exception(e)
    ...         return e
    >>> import numpy as np, fungrad
    >>> e = boundary()
    >>> e.__traceback__.tb_frame.f_code.co_name, "removed its internal frames" in e.__notes__[0]
    ('boundary', True)
    """
    mode = _mode[0]
    if mode == "off" or e.__traceback__ is None:
        return
    if _under_another_boundary(frame if frame is not None else sys._getframe(1)):
        return
    tb = e.__traceback__
    if mode == "tracebackhide":
        while tb is not None:
            if is_internal_filename(tb.tb_frame.f_code.co_filename):
                tb.tb_frame.f_locals["__tracebackhide__"] = True
            tb = tb.tb_next
        return
    e.with_traceback(filter_traceback(tb))
    if mode == "remove_frames":
        full = UnfilteredStackTrace(f"{type(e).__name__}: {e}\n\nThe stack trace below "
                                    "includes fungrad's internal frames; the preceding is the "
                                    "original exception, with them removed.")
        full.with_traceback(tb)
        full.__cause__, full.__context__ = e.__cause__, e.__context__
        e.__cause__ = full
    elif _NOTE not in getattr(e, "__notes__", ()):
        e.add_note(_NOTE)


def api_boundary(fun: F) -> F:
    """Mark ``fun`` as a public entry point: an exception leaving it (and no outer boundary)
    has fungrad's frames filtered from its traceback.

    >>> @api_boundary
    ... def checked(x):
    ...     if x < 0:
    ...         raise ValueError("negative")
    ...     return x
    >>> import traceback
    >>> try:
    ...     checked(-1)
    ... except ValueError as e:
    ...     [frame.f_code.co_name for frame, _ in traceback.walk_tb(e.__traceback__)]
    ['<module>', 'checked']
    """
    return in_module_of(fun, _boundary_for(fun, filter_exception, sys._getframe))


def in_module_of(fun: Callable, wrapper: Callable) -> Any:
    """``wrapper`` (a closure reading only its cells) re-made as a function of ``fun``'s
    module, with ``fun``'s name and docstring: doctest and inspection then find a decorated
    public function where it was defined, as before.

    >>> def double(x):
    ...     "Twice x."
    ...     return 2 * x
    >>> w = in_module_of(double, (lambda f: lambda *a: f(*a))(double))
    >>> w(3), w.__name__, w.__doc__, w.__globals__ is double.__globals__
    (6, 'double', 'Twice x.', True)
    """
    globals_ = getattr(fun, "__globals__", None)
    if globals_ is not None:
        wrapper = types.FunctionType(wrapper.__code__, globals_, wrapper.__name__, None,
                                     wrapper.__closure__)
    return functools.update_wrapper(wrapper, fun)


def _boundary_for(fun: Callable, filter_exception: Callable, getframe: Callable) -> Callable:
    def reraise_with_filtered_traceback(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841 (read by IPython and pytest)
        try:
            return fun(*args, **kwargs)
        except Exception as e:
            filter_exception(e, getframe())
            raise
    return reraise_with_filtered_traceback


_BOUNDARY_CODES.add(_boundary_for(None, None, None).__code__)  # type: ignore[arg-type]


def register_boundary(fun: Callable) -> None:
    """Count ``fun``'s frames as a boundary (for a method that filters by itself, with
    ``filter_exception`` in its own ``except`` clause, to stay one frame on a hot path).

    >>> def call():
    ...     pass
    >>> register_boundary(call)
    >>> call.__code__ in _BOUNDARY_CODES
    True
    """
    _BOUNDARY_CODES.add(fun.__code__)


# ---------------------------------------------------------------------------------------------
# numpy's warnings, at the user's line
# ---------------------------------------------------------------------------------------------

_original_showwarnmsg = warnings._showwarnmsg  # type: ignore[attr-defined]


def _user_frame(start: types.FrameType | None):
    """The first frame outside fungrad and numpy, walking out from ``start``, and whether
    fungrad was on the way (else the warning is none of fungrad's business)."""
    frame, through_fungrad = start, False
    while frame is not None:
        filename = frame.f_code.co_filename
        if is_internal_filename(filename):
            through_fungrad = True
        elif not (filename.startswith(_NUMPY_DIR) or filename.startswith("<frozen")
                  or filename == warnings.__file__):
            return frame, through_fungrad
        frame = frame.f_back
    return None, through_fungrad


def _forget(frame: types.FrameType | None, msg: Any) -> None:
    """Take the warning out of the registry of the internal line it was attributed to, so it
    is shown again when another user line triggers it there."""
    text, category = str(msg.message), msg.category
    while frame is not None:
        if frame.f_code.co_filename == msg.filename:
            registry = frame.f_globals.get("__warningregistry__")
            if registry:
                registry.pop((text, category, msg.lineno), None)
                registry.pop((text, category, 0), None)
            return
        frame = frame.f_back


def _showwarnmsg(msg: Any) -> None:
    filename = msg.filename or ""
    if _mode[0] != "off" and (is_internal_filename(filename)
                              or filename.startswith(_NUMPY_DIR)):
        here = sys._getframe(1)
        user, through_fungrad = _user_frame(here)
        if user is not None and through_fungrad:
            _forget(here, msg)
            user_globals = user.f_globals
            warnings.warn_explicit(
                msg.message, msg.category, user.f_code.co_filename, user.f_lineno,
                module=user_globals.get("__name__"),
                registry=user_globals.setdefault("__warningregistry__", {}),
                source=msg.source)
            return
    _original_showwarnmsg(msg)


_showwarnmsg.__doc__ = _original_showwarnmsg.__doc__
warnings._showwarnmsg = _showwarnmsg  # type: ignore[attr-defined]
