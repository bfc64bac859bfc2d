"""The catalog service's tables and queries. `stock` is a projection of inventory's available
stock; `stock_version` is the inventory version it reflects (older events are ignored)."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    column,
    delete,
    func,
    insert,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from ecart.catalog.domain import ProductQuery, SortKey
from ecart.platform.db import UTCDateTime
from ecart.platform.events import inbox_table, outbox_table, sequence_column
from ecart.platform.money import to_cents

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("description", String(2000), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("stock", Integer, nullable=False),
    sequence_column("stock_version"),
    Column("category", String(100), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_products_category", "category"),
    Index("ix_products_price_cents", "price_cents"),
    # Ids are never reused: a late event about a deleted product must not hit a new one.
    sqlite_autoincrement=True,
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

products_fts = table("products_fts", column("rowid", Integer), column("products_fts"))
"""SQLite only: an FTS5 trigram index over products(name, description), kept up to date by
triggers (migration c7f3e2a91b04). Not in `metadata`: autogenerate cannot describe it."""

HAND_MANAGED = frozenset(
    {
        # both dialects: an expression index, (lower(category), id, price_cents)
        "ix_products_category_lower",
        # SQLite: the FTS5 table and the shadow tables FTS5 creates for it
        "products_fts",
        "products_fts_config",
        "products_fts_data",
        "products_fts_docsize",
        "products_fts_idx",
        # PostgreSQL: pg_trgm GIN indexes on lower(name) and lower(description)
        "ix_products_name_trgm",
        "ix_products_description_trgm",
    }
)
"""Schema objects migration c7f3e2a91b04 creates by hand, which `metadata` does not declare:
a schema comparison (autogenerate, the migrations test) must skip these names."""
metadata.info["hand_managed"] = HAND_MANAGED

TRIGRAM = 3
"""The shortest needle the trigram indexes can find; shorter ones are found by a scan."""

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A result row whose columns are read by name."""

_ORDER: dict[SortKey, Any] = {
    "id": products.c.id.asc(),
    "name": func.lower(products.c.name).asc(),
    "-name": func.lower(products.c.name).desc(),
    "price": products.c.price_cents.asc(),
    "-price": products.c.price_cents.desc(),
    "created_at": products.c.created_at.asc(),
    "-created_at": products.c.created_at.desc(),
}


def _fts_phrase(needle: str) -> str:
    """The needle as one FTS5 string (a phrase of its trigrams): inside double quotes
    everything is literal, a double quote is written twice."""
    return '"' + needle.replace('"', '""') + '"'


def _filters(query: ProductQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.q:
        needle = query.q.lower()
        # The exact test, on every dialect (PostgreSQL's trigram indexes serve it as is; on
        # SQLite the FTS5 index only narrows the rows it runs on: see `search`).
        where.append(
            func.lower(products.c.name).contains(needle, autoescape=True)
            | func.lower(products.c.description).contains(needle, autoescape=True)
        )
    if query.category:
        # served by ix_products_category_lower (lower(category), id, price_cents)
        where.append(func.lower(products.c.category) == query.category.lower())
    if query.min_price is not None:
        where.append(products.c.price_cents >= to_cents(query.min_price))
    if query.max_price is not None:
        where.append(products.c.price_cents <= to_cents(query.max_price))
    if query.ids is not None:
        where.append(products.c.id.in_(query.ids))
    return where


def search(query: ProductQuery, dialect: str = "") -> Select[Any]:
    """The product list's query on `dialect` (the name SQLAlchemy gives it).

    On SQLite a needle of 3 characters or more first goes through the FTS5 trigram index,
    whose matches are a superset of the substring test's (its case folding covers SQLite's
    ASCII lower()); the substring test then runs on those rows only, so the answer is the
    same as without the index."""
    order = [_ORDER[query.sort]]
    if query.sort != "id":
        order.append(products.c.id.asc())  # a stable order for pagination
    stmt = select(products).where(*_filters(query))
    if dialect == "sqlite" and query.q and len(query.q.lower()) >= TRIGRAM:
        match = products_fts.c.products_fts.match(
            bindparam("fts_phrase", _fts_phrase(query.q.lower()))
        )
        if query.sort == "id":
            # The index's matches in rowid order drive the join: a page needs only its rows.
            stmt = stmt.select_from(
                products_fts.join(products, products.c.id == products_fts.c.rowid)
            ).where(match)
            order = [products_fts.c.rowid.asc()]
        else:
            candidates = select(products_fts.c.rowid).where(match)
            stmt = stmt.where(products.c.id.in_(candidates.scalar_subquery()))
    return stmt.order_by(*order).offset(query.skip).limit(query.limit)


async def list_products(conn: AsyncConnection, query: ProductQuery) -> list[AnyRow]:
    dialect = conn.dialect.name
    if dialect == "postgresql" and query.q:
        # The statement is prepared once and cached: after five runs PostgreSQL may switch
        # to a generic plan, which cannot see the needle and so walks the primary key past
        # every row for a rare one (0.8 s at 1M products instead of 3 ms through the trigram
        # indexes). Plan each search for its needle (this transaction only).
        await conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    return list((await conn.execute(search(query, dialect))).all())


async def get_product(conn: AsyncConnection, product_id: int) -> AnyRow | None:
    result = await conn.execute(select(products).where(products.c.id == product_id))
    return result.one_or_none()


async def insert_product(conn: AsyncConnection, values: dict[str, Any]) -> AnyRow:
    result = await conn.execute(insert(products).values(**values).returning(products))
    row: AnyRow = result.one()
    return row


async def update_product(
    conn: AsyncConnection, product_id: int, values: dict[str, Any]
) -> AnyRow | None:
    result = await conn.execute(
        update(products).where(products.c.id == product_id).values(**values).returning(products)
    )
    row: AnyRow | None = result.one_or_none()
    return row


async def delete_product(conn: AsyncConnection, product_id: int) -> bool:
    result = await conn.execute(delete(products).where(products.c.id == product_id))
    return result.rowcount == 1


async def apply_stock(conn: AsyncConnection, product_id: int, stock: int, version: int) -> bool:
    """Set the projection if `version` is newer than the one it shows."""
    result = await conn.execute(
        update(products)
        .where(products.c.id == product_id, products.c.stock_version < version)
        .values(stock=stock, stock_version=version)
    )
    return result.rowcount == 1


async def count_products(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.count()).select_from(products)) or 0)


async def product_names(conn: AsyncConnection) -> set[str]:
    return {str(name) for name in (await conn.execute(select(products.c.name))).scalars()}


async def categories(conn: AsyncConnection) -> list[AnyRow]:
    result = await conn.execute(
        select(products.c.category.label("name"), func.count().label("product_count"))
        .where(products.c.category.is_not(None))
        .group_by(products.c.category)
        .order_by(products.c.category)
    )
    return list(result.all())
