"""``python -m fungrad show``: print the IR of a function in your own file.

    $ python -m fungrad show examples/autodiff_tour.py:loss --args 'f64[4]' --grad
    { lambda ; a:f64[4]. let
        ...
      in (d,) }

The target is ``path/to/file.py:function`` (or ``package.module:function``). The file is
imported as a module, so its ``if __name__ == "__main__":`` block does not run. Arguments are
given by type, ``dtype[shape]`` as the IR prints them: ``f64[4]``, ``f32[2,3]``, ``i64[]``;
several are separated by commas (``--args 'f64[2,3],f64[2]'``) or given by repeating
``--args``.

fungrad traces with *concrete* values (seeded random arrays of those types), so Python
``if``/``while`` on traced values works and shows up as ``guard`` equations; ``--abstract``
traces with shapes only instead.

What is printed:

* the IR of the function itself (default);
* ``--grad``: the IR of ``grad(f)`` (reverse mode; ``--argnums`` picks the arguments);
* ``--jvp``:  the IR of ``lambda *x, *t: jvp(f, x, t)`` (forward mode: primal and tangent);
* ``--vjp``:  the IR of ``lambda *x, ct: vjp(f, *x)[1](ct)`` (the backward pass alone);
* ``--dot``: Graphviz DOT text instead of the textual IR (see ``fungrad.viz``);
* ``--source``: a ``# file:line`` comment per equation.

Exit status: 0 on success; 2 for a bad command line (missing file or function, bad spec); 1
when the user's code raised while being imported or traced. Errors are one line on stderr.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import re
import sys
import traceback
from typing import Any, Callable, Sequence

import numpy as np

import fungrad
from fungrad import core
from fungrad.core import ClosedJaxpr, ShapeDtypeStruct
from fungrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["main", "parse_specs", "load_function", "trace_ir", "UsageError"]


class UsageError(Exception):
    """A mistake on the command line: reported in one line, exit status 2."""


class UserCodeError(Exception):
    """The user's own code raised while being imported or traced: exit status 1."""


# ---------------------------------------------------------------------------------------------
# Argument specs: ``f64[4]``, ``f32[2,3]``, ``i64[]``
# ---------------------------------------------------------------------------------------------

# Short names as the IR prints them, plus numpy's long names for convenience.
_DTYPES = {short: np.dtype(long) for long, short in core._SHORT_DTYPE.items()}
_DTYPES.update({long: np.dtype(long) for long in core._SHORT_DTYPE})
_SPEC_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[([^\[\]]*)\]$")


def _split_top_level(text: str) -> list[str]:
    """Split on the commas that are not inside brackets: ``'f64[2,3],i64[]'`` -> 2 parts."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts]


def parse_specs(text: str) -> list[ShapeDtypeStruct]:
    """Parse comma-separated argument types as the IR prints them.

    >>> for spec in parse_specs("f64[4], f32[2,3], i64[]"):
    ...     print(spec)
    ShapeDtypeStruct(shape=(4,), dtype=float64)
    ShapeDtypeStruct(shape=(2, 3), dtype=float32)
    ShapeDtypeStruct(shape=(), dtype=int64)
    """
    specs = []
    for part in _split_top_level(text):
        match = _SPEC_RE.match(part.replace(" ", ""))
        if not match:
            raise UsageError(f"bad argument spec {part!r}: expected dtype[shape], e.g. "
                             "f64[4], f32[2,3] or i64[] for a scalar")
        name, dims = match.groups()
        if name not in _DTYPES:
            short = ", ".join(sorted(core._SHORT_DTYPE.values()))
            raise UsageError(f"bad argument spec {part!r}: unknown dtype {name!r} (known: "
                             f"{short})")
        shape = []
        for d in (dims.split(",") if dims.strip() else []):
            if not d.strip().isdigit():
                raise UsageError(f"bad argument spec {part!r}: dimension {d.strip()!r} is not "
                                 "a non-negative integer")
            shape.append(int(d))
        specs.append(ShapeDtypeStruct(tuple(shape), _DTYPES[name]))
    return specs


def example_value(spec: ShapeDtypeStruct, rng: np.random.Generator) -> np.ndarray:
    """A random concrete array of the spec's type: tracing with values lets Python control
    flow (``if``/``while`` on traced values) run and be recorded as guards."""
    dtype, shape = spec.dtype, spec.shape
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.integers(0, 5, shape).astype(dtype)


# ---------------------------------------------------------------------------------------------
# Loading the user's function
# ---------------------------------------------------------------------------------------------

def _import_file(path: str):
    """Import ``path`` as a module named after it (never ``__main__``, so the file's
    ``if __name__ == "__main__":`` block does not run)."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    name = f"_fungrad_show_{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {path!r} as Python source")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    # Like `python file.py`: the file's own folder comes first on the import path, so it can
    # import its neighbours (also later, from inside the function).
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[name]
        raise UserCodeError(f"importing {path} raised {_describe(e, path)}") from None
    return module


def load_function(target: str) -> tuple[Callable, str | None]:
    """``'path/to/file.py:name'`` or ``'package.module:name'`` -> (function, file path).

    ``name`` may be dotted (``Model.loss``). Raises ``UsageError`` with a one-line message.
    """
    where, sep, attr = target.rpartition(":")
    if not sep or not where or not attr:
        raise UsageError(f"bad target {target!r}: expected path/to/file.py:function")
    if where.endswith(".py") or os.sep in where or os.path.exists(where):
        if not os.path.isfile(where):
            raise UsageError(f"no such file: {where}")
        path = os.path.abspath(where)
        module = _import_file(path)
    else:
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as e:
            if e.name and where.startswith(e.name):
                raise UsageError(f"no such file or module: {where}") from None
            raise UserCodeError(f"importing {where} raised {_describe(e, None)}") from None
        except Exception as e:
            raise UserCodeError(f"importing {where} raised {_describe(e, None)}") from None
        path = getattr(module, "__file__", None)
        path = os.path.abspath(path) if path else None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            defined = sorted(k for k, v in vars(module).items()
                             if callable(v) and not k.startswith("_")
                             and getattr(v, "__module__", None) == module.__name__)
            hint = f"; it defines: {', '.join(defined)}" if defined else ""
            raise UsageError(f"{where} has no function {attr!r}{hint}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"{where}:{attr} is not a function (it is of type "
                         f"{type(obj).__name__})")
    return obj, path


def _describe(e: BaseException, path: str | None) -> str:
    """``TypeError at file.py:12: message``, pointing at the user's innermost line."""
    where = ""
    frames = traceback.extract_tb(e.__traceback__)
    user = [f for f in frames if path is not None and os.path.abspath(f.filename) == path]
    if not user:
        user = [f for f in frames
                if not os.path.abspath(f.filename).startswith(core._PACKAGE_DIR)]
    if user:
        where = f" at {os.path.basename(user[-1].filename)}:{user[-1].lineno}"
    message = str(e).strip() or "(no message)"
    return f"{type(e).__name__}{where}: {message}"


# ---------------------------------------------------------------------------------------------
# Building the IR
# ---------------------------------------------------------------------------------------------

def _merge(args: Sequence[Any], nums: Sequence[int], dyn: Sequence[Any]) -> list:
    full = list(args)
    for n, x in zip(nums, dyn):
        full[n] = x
    return full


def trace_ir(fun: Callable, args: Sequence[Any], mode: str = "ir",
             argnums: Sequence[int] | None = None, rng: np.random.Generator | None = None
             ) -> ClosedJaxpr:
    """The ``ClosedJaxpr`` that ``show`` prints: of ``fun`` itself (``mode="ir"``), of
    ``grad(fun)``, of the JVP (inputs: primals then tangents) or of the VJP's backward pass
    (inputs: primals then the output cotangent). ``argnums`` picks the differentiated
    arguments (default: the first for grad, all for jvp and vjp, as in JAX).

    >>> import numpy as np, fungrad.numpy as fnp
    >>> print(trace_ir(fnp.sin, [np.zeros(3)], "jvp"))
    { lambda ; a:f64[3] b:f64[3]. let
        c:f64[3] = sin a
        d:f64[3] = cos a
        e:f64[3] = mul b d
      in (c e) }
    """
    rng = rng or np.random.default_rng(0)
    if mode == "ir":
        return fungrad.make_jaxpr(fun)(*args)
    if mode == "grad":
        nums = tuple(argnums) if argnums is not None else 0
        return fungrad.make_jaxpr(fungrad.grad(fun, argnums=nums))(*args)
    nums = tuple(argnums) if argnums is not None else tuple(range(len(args)))
    n = len(args)

    if mode == "jvp":
        def jvp_fun(*primals_and_tangents):
            primals, tangents = primals_and_tangents[:n], primals_and_tangents[n:]
            return fungrad.jvp(lambda *dyn: fun(*_merge(primals, nums, dyn)),
                               [primals[i] for i in nums], list(tangents))
        # A tangent is a value of the same type as its primal: same spec, fresh values.
        tangents = [example_value(ShapeDtypeStruct(np.shape(args[i]), _dtype(args[i])), rng)
                    for i in nums]
        return fungrad.make_jaxpr(jvp_fun)(*args, *tangents)

    if mode == "vjp":
        # The cotangent has the type of the output: find it by tracing once.
        _, out_shape = fungrad.make_jaxpr(fun, return_shape=True)(*args)
        out_specs, out_tree = tree_flatten(out_shape)
        cts = [example_value(s, rng) for s in out_specs]

        def vjp_fun(*primals_and_cts):
            primals, ct_leaves = primals_and_cts[:n], primals_and_cts[n:]
            _, pullback = fungrad.vjp(lambda *dyn: fun(*_merge(primals, nums, dyn)),
                                      *[primals[i] for i in nums])
            return pullback(tree_unflatten(out_tree, list(ct_leaves)))
        return fungrad.make_jaxpr(vjp_fun)(*args, *cts)
    raise ValueError(f"unknown mode {mode!r}")


def _dtype(x) -> np.dtype:
    return x.dtype if isinstance(x, (np.ndarray, np.generic, ShapeDtypeStruct)) \
        else np.asarray(x).dtype


def _caller_locations() -> set[str]:
    """``file:line`` of every frame outside fungrad that is calling this command (``runpy``,
    a test, a notebook): the places a source location must never point to."""
    found, frame = set(), sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(core._PACKAGE_DIR):
            found.add(f"{os.path.basename(filename)}:{frame.f_lineno}")
        frame = frame.f_back
    return found


def _drop_caller_source(closed: ClosedJaxpr, callers: set[str]) -> None:
    """Drop source locations that point at this command's callers.

    Transforms pass each equation's location on to the equations they emit for it; one
    that has none would otherwise be stamped with the first frame outside fungrad, the
    command's caller, which would only mislead.
    """
    todo = [closed.jaxpr]
    while todo:
        jaxpr = todo.pop()
        for eqn in jaxpr.eqns:
            if eqn.source_info in callers:
                eqn.source_info = None
            for p in eqn.params.values():
                for sub in (p if isinstance(p, tuple) else (p,)):
                    if isinstance(sub, ClosedJaxpr):
                        todo.append(sub.jaxpr)
                    elif isinstance(sub, core.Jaxpr):
                        todo.append(sub)


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str):
        raise UsageError(f"{message} (see: python -m fungrad {self.prog.split()[-1]} --help)"
                         if self.prog.split()[-1] != "fungrad" else message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m fungrad",
                     description="fungrad command-line tools: look at the IR of your code.")
    parser.add_argument("--version", action="version", version=f"fungrad {fungrad.__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    show = commands.add_parser(
        "show", help="print the IR (jaxpr) of a function, or of its derivative",
        description="Print the IR of FILE.py:FUNCTION traced on arguments of the given types.",
        epilog="example: python -m fungrad show examples/autodiff_tour.py:loss "
               "--args 'f64[4]' --grad")
    show.add_argument("target", metavar="FILE.py:FUNCTION",
                      help="the function: path/to/file.py:name or package.module:name")
    show.add_argument("--args", action="append", default=[], metavar="SPECS",
                      help="argument types as dtype[shape], e.g. 'f64[4]' or 'f32[2,3],i64[]'; "
                           "comma-separated or repeated, in order")
    mode = show.add_mutually_exclusive_group()
    mode.add_argument("--grad", dest="mode", action="store_const", const="grad",
                      help="the IR of grad(f) (reverse mode)")
    mode.add_argument("--jvp", dest="mode", action="store_const", const="jvp",
                      help="the IR of the JVP: inputs are primals then tangents (forward mode)")
    mode.add_argument("--vjp", dest="mode", action="store_const", const="vjp",
                      help="the IR of the VJP's backward pass: inputs are primals then the "
                           "output cotangent")
    show.add_argument("--argnums", metavar="N[,N]",
                      help="which arguments to differentiate (default: 0 for --grad, all for "
                           "--jvp/--vjp)")
    show.add_argument("--dot", action="store_true",
                      help="print Graphviz DOT text instead of the IR")
    show.add_argument("--source", action="store_true",
                      help="annotate each equation with the file:line it came from")
    show.add_argument("--abstract", action="store_true",
                      help="trace with shapes only (Python control flow on values then fails)")
    show.add_argument("--seed", type=int, default=0,
                      help="seed of the random argument values (default 0)")
    show.add_argument("-o", "--output", metavar="PATH",
                      help="write to PATH instead of stdout; with --dot, a .svg/.png/.pdf "
                           "path is rendered with Graphviz's dot program")
    show.set_defaults(mode="ir")
    return parser


def _parse_argnums(text: str | None, n_args: int) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        nums = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise UsageError(f"bad --argnums {text!r}: expected integers like 0 or 0,1") from None
    for k in nums:
        if not -n_args <= k < n_args:
            raise UsageError(f"bad --argnums {text!r}: the function gets {n_args} argument(s)")
    return tuple(k % n_args for k in nums)


def _show(opts: argparse.Namespace) -> int:
    specs = [s for text in opts.args for s in parse_specs(text)]
    if not specs:
        raise UsageError("no arguments given: add --args with their types, e.g. --args 'f64[4]'")
    if opts.abstract and opts.mode != "ir":
        raise UsageError("--abstract traces the function itself only; drop it for "
                         f"--{opts.mode}")
    if opts.argnums is not None and opts.mode == "ir":
        raise UsageError("--argnums needs --grad, --jvp or --vjp")
    argnums = _parse_argnums(opts.argnums, len(specs))
    fun, path = load_function(opts.target)
    rng = np.random.default_rng(opts.seed)
    args = specs if opts.abstract else [example_value(s, rng) for s in specs]

    saved = core._config["source_info"]
    core._config["source_info"] = opts.source or saved
    try:
        closed = trace_ir(fun, args, opts.mode, argnums, rng)
    except (UsageError, UserCodeError):
        raise
    except Exception as e:
        types = ", ".join(core.ShapedArray(s.shape, s.dtype).str_short() for s in specs)
        what = {"ir": "", "grad": "grad of ", "jvp": "jvp of ", "vjp": "vjp of "}[opts.mode]
        name = getattr(fun, "__name__", "function")
        raise UserCodeError(f"tracing {what}{name}({types}) raised {_describe(e, path)}") \
            from None
    finally:
        core._config["source_info"] = saved

    if opts.source:
        _drop_caller_source(closed, _caller_locations())
    if opts.dot:
        from fungrad.viz import render, to_dot
        text = to_dot(closed, show_source=opts.source)
        if opts.output and os.path.splitext(opts.output)[1] in (".svg", ".png", ".pdf"):
            if not render(text, opts.output):
                raise UsageError(f"cannot render {opts.output}: Graphviz's dot program is "
                                 "not installed (write a .dot file instead)")
            return 0
    else:
        text = core.pp_jaxpr(closed.jaxpr, show_source=opts.source) + "\n"
    if opts.output:
        with open(opts.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 user-code error, 2 usage).

    >>> main(["show", "fungrad.numpy:sin", "--args", "f64[3]"])
    { lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }
    0
    """
    parser = _parser()
    try:
        opts = parser.parse_args(argv)
        if opts.command is None:
            parser.print_help(sys.stderr)
            return 2
        return _show(opts)
    except UsageError as e:
        print(f"fungrad: error: {e}", file=sys.stderr)
        return 2
    except UserCodeError as e:
        print(f"fungrad: error: {e}", file=sys.stderr)
        return 1
    except SystemExit as e:  # --help and --version
        return e.code if isinstance(e.code, int) else 0
