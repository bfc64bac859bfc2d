"""Money: Decimal with two places inside, integer cents in the database, and on the wire a
JSON number with at most two decimals (`49.5`, `999.99`), never a string."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
CURRENCY = "USD"  # a shop sells in one currency (seed 002's prices carry none)
MAX_PRICE = Decimal("1000000")
DECIMAL_PATTERN = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _as_json_number(amount: Decimal) -> float | int:
    # The shortest float repr of a two-place decimal has at most two decimals.
    value = quantize(amount)
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal, PlainSerializer(_as_json_number, return_type=float | int, when_used="json")
]
"""A money amount in a response."""


PriceIn = Annotated[
    Decimal,
    Field(gt=0, le=MAX_PRICE, max_digits=9, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": int(MAX_PRICE),
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": DECIMAL_PATTERN},
            ]
        }
    ),
]
"""A money amount in a request: positive, at most 1,000,000, at most two decimals; a JSON
number or a decimal string (`"0.10"`). Documented as such: FastAPI would document any string."""
