"""A socket frame checked against its declared TypedDict union, key for key."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin, get_type_hints


def _conforms(value: Any, hint: Any) -> bool:
    origin = get_origin(hint)
    if hint is Any:
        return True
    if origin is Literal:
        return value in get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, h) for h in get_args(hint))
    if origin is dict:
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list) and all(_conforms(v, get_args(hint)[0]) for v in value)
    if hint is type(None):
        return value is None
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint)


def conforms(frame: Mapping[str, Any], union: Any) -> str:
    """The frame's declared type name; fails on an unknown type, a missing or extra key, or
    a value of the wrong type."""
    by_type = {get_args(get_type_hints(cls)["type"])[0]: cls for cls in get_args(union)}
    cls = by_type.get(frame.get("type"))
    assert cls is not None, frame
    hints = get_type_hints(cls)
    assert set(frame) <= set(hints), (cls.__name__, set(frame) - set(hints))
    assert cls.__required_keys__ <= set(frame), (cls.__name__, cls.__required_keys__ - set(frame))
    for key, value in frame.items():
        assert _conforms(value, hints[key]), (cls.__name__, key, value)
    json.dumps(frame)  # and it goes on the wire as it is
    return str(cls.__name__)
