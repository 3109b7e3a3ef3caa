"""Request bodies: strict models, and text every database can store.

Request models derive from :class:`ApiModel`: unknown fields, a float or a string where an
integer belongs, and a number where text belongs are all refused with 422 before a route
runs. Every value of a body, however deeply nested in a free-form object, is also checked by
the core's text rule (:mod:`houdini_pay.text`): what the databases cannot store (a NUL
character, a lone surrogate) answers ``invalid_text``, and nesting deep enough to exhaust
the stack later answers ``too_deeply_nested``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from houdini_pay import text
from houdini_pay.errors import InvalidRequest
from houdini_pay.text import MAX_NESTING

__all__ = ["MAX_NESTING", "ApiModel", "check_storable"]


def check_storable(value: Any) -> None:
    """Raise a pydantic error if ``value`` holds text no database stores, or nests too deep.

    The error's type is the core's code (``invalid_text``, ``too_deeply_nested``), which
    the API answers as the error's code.
    """
    try:
        text.check_storable(value, "body")
    except InvalidRequest as error:
        if error.code == "invalid_json":
            # A number JSON allows but no column holds (1e400): the field's own type says
            # what is wrong with it (invalid_amount), and the core refuses it elsewhere.
            return
        # Braces would be read as the template's placeholders.
        message = error.message.replace("{", "(").replace("}", ")")
        raise PydanticCustomError(error.code, message) from None


class ApiModel(BaseModel):
    """Base of request bodies: strict types, no unknown fields, storable text only."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_values(cls, data: Any) -> Any:
        check_storable(data)
        return data
