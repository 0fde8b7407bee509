"""What every request body must be before a model reads it, and the base of those models.

A body is JSON text in UTF-8, sent as `application/json`, at most MAX_BODY_BYTES, nested at
most MAX_DEPTH deep, with numbers DynamoDB can store (finite, at most 38 digits, magnitude
below 1e126). A model field never takes `null`: leaving the field out is how a client says
"no change", and an empty string clears an optional text. So nothing stored is ever a null
that another user's page then trips over.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from portico.errors import BadRequest, Invalid

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 16
_DIGITS = 38
_LARGEST = Decimal("9.9999999999999999999999999999999999999E+125")
_SMALLEST = Decimal("1E-130")


class Input(BaseModel):
    """A request body: unknown fields, nulls and values of another type ("yes" for true,
    "5" for 5) are refused with 422, never ignored or guessed at."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(str(k) for k, v in data.items() if v is None)
            if nulls:
                raise PydanticCustomError(
                    "null", "null is not a value here: leave out {fields}",
                    {"fields": ", ".join(nulls)})
        return data


def _number(text: str) -> Decimal:
    try:
        n = Decimal(text)
    except InvalidOperation:
        raise Invalid(f"{text[:40]} is not a number.") from None
    magnitude = abs(n)
    if n != 0 and not (_SMALLEST <= magnitude <= _LARGEST):
        raise Invalid("A number is too large or too small to store.")
    significant = "".join(map(str, n.as_tuple().digits)).strip("0")
    if len(significant) > _DIGITS:
        raise Invalid(f"A number has more than {_DIGITS} significant digits.")
    return n


def _int(text: str) -> int:
    _number(text)
    return int(text)


def _float(text: str) -> float:
    _number(text)
    return float(text)


def _constant(name: str) -> Any:
    raise Invalid(f"{name} is not a number JSON allows.")


def _depth(value: Any, limit: int) -> int:
    """How deep `value` nests, stopping once past `limit`."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


def parse(text: str) -> Any:
    """The body as JSON, or a 400/422 that says what is wrong with it."""
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise BadRequest(f"The body nests deeper than {MAX_DEPTH} levels.") from None
    except json.JSONDecodeError as e:
        raise BadRequest(f"The body is not valid JSON (line {e.lineno}, column {e.colno}).",
                         details={"line": e.lineno, "column": e.colno}) from None
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise BadRequest(f"The body nests deeper than {MAX_DEPTH} levels.")
    return value
