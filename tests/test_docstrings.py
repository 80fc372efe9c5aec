"""Every public function, class and method of fungrad's API has a docstring with a ``>>>``
example. The examples themselves run as doctests (``--doctest-modules`` in pyproject.toml);
this test makes sure a new function cannot arrive without one.
"""
from __future__ import annotations

import importlib
import inspect
import pickle

import numpy as np
import pytest

# Modules whose public names are API. A module with ``__all__`` exposes exactly those names;
# otherwise every name without a leading underscore that is a function or class *defined in
# that module* counts (names a module merely imports for its own use, such as
# ``fungrad.passes`` importing ``Jaxpr``, are checked where they are defined).
MODULES = [
    "fungrad.numpy.linalg", "fungrad.numpy.fft", "fungrad.nn", "fungrad.tree_util",
    "fungrad.api", "fungrad.staging", "fungrad.name_stack",
    "fungrad.jit", "fungrad.codegen", "fungrad.vmap", "fungrad.custom_derivatives",
    "fungrad.custom_batching", "fungrad.ad_checkpoint", "fungrad.symbolic_zeros",
    "fungrad.test_util",
    "fungrad.viz", "fungrad.passes", "fungrad.interpreter", "fungrad.control_flow",
    "fungrad.traceback_util", "fungrad.allocator",
    "fungrad.nn.initializers", "fungrad.example_libraries.optimizers",
    "fungrad.example_libraries.stax",
    "fungrad.scipy.special", "fungrad.scipy.signal", "fungrad.scipy.integrate",
    "fungrad.scipy.optimize", "fungrad.scipy.linalg", "fungrad.scipy.ndimage",
    "fungrad.scipy.interpolate", "fungrad.scipy.cluster.vq",
    "fungrad.scipy.spatial.transform", "fungrad.scipy.fft",
] + [f"fungrad.scipy.stats.{family}" for family in (
    "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma",
    "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial",
    "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t", "truncnorm", "uniform",
    "vonmises", "wrapcauchy", "descriptive", "kde")]

# Pure re-export modules: everything public in them is API, wherever it is defined.
REEXPORT_MODULES = ["fungrad", "fungrad.lax", "fungrad.numpy"]

# fungrad.core is mostly machinery (Var, Eqn, JaxprTrace, guard, ...): its API is this list.
CORE_API = [
    "ShapedArray", "ShapeDtypeStruct", "check_jaxpr", "pp_jaxpr", "source_info", "get_aval",
    "bind", "Primitive", "ClosedJaxpr", "Jaxpr", "Tracer", "trace_to_jaxpr", "value_aval",
    "short_dtype_name", "ConcretizationTypeError", "TracerBoolConversionError",
    "TracerArrayConversionError", "UnexpectedTracerError",
]

# numpy's own objects re-exported by fungrad.numpy so that ``fnp.float32``, ``fnp.pi`` or
# ``fnp.finfo`` work as in numpy. They are numpy's, not fungrad's: their docstrings are
# numpy's, with no fungrad example to give, and constants (``pi``, ``nan``, ``newaxis``) cannot
# carry a docstring at all. They are listed by name (and checked to be numpy's very objects,
# below) so that a fungrad function can never slip through as "a numpy re-export".
NUMPY_REEXPORTS = {
    # dtypes and abstract dtype classes (the concrete scalar types, fnp.float32 and the
    # rest, are fungrad's own: see fungrad/numpy/scalar_types.py)
    "dtype", "floating", "integer", "inexact", "number", "signedinteger",
    # constants
    "e", "euler_gamma", "inf", "nan", "newaxis", "pi",
    # dtype utilities (no arrays involved, nothing to trace)
    "iinfo", "finfo", "result_type", "promote_types", "can_cast", "isdtype",
    # more dtype names and abstract dtype classes
    "character", "flexible", "generic", "complexfloating", "unsignedinteger", "object_",
    # print options (numpy prints fungrad's arrays)
    "get_printoptions", "printoptions", "set_printoptions",
}

# ``Tracer``'s operators and array methods (``x.sum()``, ``x.T``, ``x.at``...) are installed at
# import time by fungrad.numpy as thin forwards to the fungrad.numpy functions, which carry the
# examples; ``Tracer`` itself has one. Its methods are not checked one by one.
CLASSES_WITHOUT_METHOD_EXAMPLES = {"fungrad.core.Tracer"}


def _has_example(obj) -> bool:
    return ">>>" in (inspect.getdoc(obj) or "")


def _methods(cls):
    """Public methods and properties defined in ``cls``'s own body."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, property):
            yield name, value.fget
        elif isinstance(value, (staticmethod, classmethod)):
            yield name, value.__func__
        elif inspect.isfunction(value):
            yield name, value


def _api(module_name: str):
    """(qualified name, object) for each function, class and method of a module's API."""
    mod = importlib.import_module(module_name)
    if module_name == "fungrad.core":
        names = CORE_API
    elif hasattr(mod, "__all__"):
        names = list(mod.__all__)
    else:
        names = [n for n in vars(mod) if not n.startswith("_")]
    for name in names:
        obj = getattr(mod, name)
        if module_name == "fungrad.numpy" and name in NUMPY_REEXPORTS:
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # modules, constants such as DEFAULT_MAX_VARIANTS or float0
        defined_in = getattr(obj, "__module__", "") or ""
        if module_name in REEXPORT_MODULES or module_name == "fungrad.core" \
                or hasattr(mod, "__all__"):
            if not defined_in.startswith("fungrad"):
                continue  # e.g. a typing helper
        elif defined_in != module_name:
            continue  # imported for internal use; checked in its own module
        yield f"{module_name}.{name}", obj
        if inspect.isclass(obj) and \
                f"{obj.__module__}.{obj.__qualname__}" not in CLASSES_WITHOUT_METHOD_EXAMPLES:
            for meth_name, meth in _methods(obj):
                yield f"{module_name}.{name}.{meth_name}", meth


ALL_MODULES = REEXPORT_MODULES + MODULES + ["fungrad.core"]


@pytest.mark.parametrize("module_name", ALL_MODULES)
def test_public_api_has_examples(module_name):
    api = list(_api(module_name))
    assert api, f"{module_name}: no public functions or classes found"
    missing = [name for name, obj in api if not _has_example(obj)]
    assert not missing, (f"public API without a '>>>' example in its docstring: {missing}. "
                         "Add a small example whose output is checked (it runs as a doctest).")


def test_the_walk_covers_the_api():
    # a guard on the walker itself: if it found (almost) nothing, the test above would pass
    # vacuously
    seen = {id(obj) for m in ALL_MODULES for _, obj in _api(m)}
    assert len(seen) > 200
    import fungrad
    import fungrad.numpy as fnp
    for must in (fnp.sort, fnp.sum, fnp.exp, fnp.linalg.det, fungrad.grad, fungrad.jit,
                 fungrad.jit(lambda x: x).variants.__func__, fungrad.lax.scan,
                 fungrad.tree_util.tree_map, fungrad.core.bind):
        assert id(must) in seen, must


def test_numpy_reexports_are_numpys_own_objects():
    # the exclusion list above holds numpy's objects only, and every numpy object that
    # fungrad.numpy re-exports is on it (a new one must be listed, with its reason)
    import fungrad.numpy as fnp
    for name in NUMPY_REEXPORTS:
        assert getattr(fnp, name) is getattr(np, name), name
    reexported = {n for n, obj in vars(fnp).items() if not n.startswith("_")
                  and not inspect.ismodule(obj) and getattr(np, n, object()) is obj}
    assert reexported == NUMPY_REEXPORTS


def test_scalar_types_stand_for_numpys():
    # fnp.float32 and the rest cast (traced values too) and are numpy's types wherever a
    # type or dtype is asked for
    import fungrad.numpy as fnp
    from fungrad.numpy.scalar_types import ScalarType
    names = ["bool_", "bool", "complex64", "complex128", "float16", "float32", "float64",
             "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "int_",
             "uint", "double", "single", "cdouble", "csingle"]
    for name in names:
        ours, numpys = getattr(fnp, name), getattr(np, name)
        assert isinstance(ours, ScalarType) and ours == numpys and hash(ours) == hash(numpys)
        assert np.dtype(ours) == np.dtype(numpys) and isinstance(numpys(0), ours)
        # classes, as JAX's are: issubclass answers (False, as JAX's does), pickling keeps them
        assert isinstance(ours, type) and not issubclass(ours, np.generic)
        assert not issubclass(numpys, ours) and ours != np.complex256
        assert pickle.loads(pickle.dumps(ours)) is ours
