"""Checks of a library function's argument types, where a wrong one would otherwise fail deep
inside with an AttributeError that says nothing of the call: a TypeError naming the function
and what it takes."""

from __future__ import annotations

import os
from typing import Any

# Words for the types a caller most often passes by mistake; any other is named by its class.
_TYPE_WORDS = {dict: "a dict", list: "a list", tuple: "a tuple", str: "a str", int: "an int",
               float: "a float", bool: "a bool", type(None): "None", bytes: "bytes"}


def described(value: Any) -> str:
    """What ``value`` is, in words: ``a list``, ``None``, ``a TokenUsage``..."""
    name = type(value).__name__
    return _TYPE_WORDS.get(type(value), f"an {name}" if name[:1] in "AEIOU" else f"a {name}")


def require(value: Any, types: type | tuple[type, ...], function: str, what: str) -> None:
    """TypeError ``function() takes what, not ...`` unless ``value`` is one of ``types`` (a
    bool is never taken for a number)."""
    if not isinstance(value, types) or isinstance(value, bool) and bool not in (
            types if isinstance(types, tuple) else (types,)):
        raise TypeError(f"{function}() takes {what}, not {described(value)}")


def require_path(value: Any, function: str, name: str) -> None:
    """A file argument: a path (str or os.PathLike) or None."""
    if value is not None:
        require(value, (str, os.PathLike), function,
                f"{name} as a path or URL (a str or Path)")
