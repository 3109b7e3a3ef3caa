"""Request bodies: strict models, and text every database can store.

Request models derive from :class:`ApiModel`: unknown fields, a float or a string where an
integer belongs, and a number where text belongs are all refused with 422 before a route
runs. Every value of a body, however deeply nested in a free-form object, is also checked
for what the databases cannot store (a NUL character: PostgreSQL refuses it in text; a lone
surrogate: it has no UTF-8 form), and for nesting deep enough to exhaust the stack later.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["MAX_NESTING", "ApiModel", "check_storable"]

MAX_NESTING = 32
"""How deep objects and arrays may nest inside a request body."""


def check_storable(value: Any) -> None:
    """Raise a pydantic error if ``value`` holds text no database stores, or nests too deep.

    Walks the value without recursion, so a deeply nested body cannot exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth >= MAX_NESTING:
                raise PydanticCustomError(
                    "too_deeply_nested",
                    "objects and arrays may nest at most {limit} levels deep",
                    {"limit": MAX_NESTING},
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise PydanticCustomError("invalid_text", "text must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "invalid_text", "text must be valid Unicode (no lone surrogates)"
        ) from None


class ApiModel(BaseModel):
    """Base of request bodies: strict types, no unknown fields, storable text only."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_values(cls, data: Any) -> Any:
        check_storable(data)
        return data
