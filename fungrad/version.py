"""``jax.version``: fungrad's version, as a string and as a tuple of ints.

>>> import fungrad
>>> __version__ == fungrad.__version__, _version_as_tuple(__version__)[0] >= 0
(True, True)
"""
from fungrad import __version__

_version = __version__


def _version_as_tuple(version_str: str) -> tuple[int, ...]:
    """``"0.1.0" -> (0, 1, 0)``.

    >>> _version_as_tuple("1.2.3")
    (1, 2, 3)
    """
    return tuple(int(i) for i in version_str.split(".") if i.isdigit())


__version_info__ = _version_as_tuple(__version__)
