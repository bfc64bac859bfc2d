"""Catalog rules: product fields, search parameters, the batch-id syntax (no framework
imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

MAX_ID = 2**63 - 1
MAX_BATCH_IDS = 500
_DIGITS = re.compile(r"[0-9]{1,19}")

SortKey = Literal["id", "name", "-name", "price", "-price", "created_at", "-created_at"]


class InvalidProduct(ValueError):
    pass


@dataclass(frozen=True)
class NewProduct:
    name: str
    price: Decimal
    description: str = ""
    stock: int = 0
    category: str | None = None


@dataclass(frozen=True)
class ProductQuery:
    skip: int = 0
    limit: int = 100
    q: str | None = None
    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    sort: SortKey = "id"
    ids: list[int] | None = None

    def __post_init__(self) -> None:
        low, high = self.min_price, self.max_price
        if low is not None and high is not None and low > high:
            raise InvalidProduct("min_price must not be greater than max_price")


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidProduct("name must not be blank")
    return cleaned


def clean_category(category: str | None) -> str | None:
    """Surrounding space dropped; blank means no category."""
    if category is None:
        return None
    return " ".join(category.split()) or None


def parse_ids(raw: str) -> list[int]:
    """`"1,2,3"` -> [1, 2, 3]: positive integers, at most MAX_BATCH_IDS, duplicates dropped."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(_DIGITS.fullmatch(part) for part in parts):
        raise InvalidProduct("ids must be comma-separated positive integers")
    if len(parts) > MAX_BATCH_IDS:
        raise InvalidProduct(f"at most {MAX_BATCH_IDS} ids at a time")
    ids = [int(part) for part in parts]
    if any(i < 1 or i > MAX_ID for i in ids):
        raise InvalidProduct("ids must be positive integers below 2^63")
    return list(dict.fromkeys(ids))
