"""search and filter indexes

Indexes for the product list's substring search (`q`) and category filter, so neither reads
the whole catalog (issue 9):

- both dialects: `ix_products_category_lower` on (lower(category), id, price_cents), for
  `lower(category) = ? [AND price_cents BETWEEN ? AND ?] ORDER BY id`: the category's rows
  in id order with the price checked in the index;
- SQLite: `products_fts`, an FTS5 table with the trigram tokenizer over products(name,
  description) (external content: it stores only the index), kept in step with `products`
  by the three `products_fts_*` triggers; the store uses it to find the candidate rows of
  needles of 3 characters or more;
- PostgreSQL: pg_trgm GIN indexes on lower(name) and lower(description), which serve the
  store's `lower(col) LIKE '%needle%'` as they are.

These objects are created here by hand (an FTS5 table, triggers, expression indexes and GIN
operator classes are beyond what autogenerate compares): `store.HAND_MANAGED` names them.
A later batch migration that recreates `products` on SQLite ("move and copy") drops the
triggers with the old table: it must create them again (`_create_sqlite_triggers`).

Revision ID: c7f3e2a91b04
Revises: 9948a90fe494
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c7f3e2a91b04"
down_revision: str | None = "9948a90fe494"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGERS = (
    # Writes that do not touch name or description (the stock projection) skip the index.
    """
    CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_fts (rowid, name, description)
        VALUES (new.id, new.name, new.description);
    END
    """,
    """
    CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, name, description)
        VALUES ('delete', old.id, old.name, old.description);
    END
    """,
    """
    CREATE TRIGGER products_fts_update AFTER UPDATE OF name, description ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, name, description)
        VALUES ('delete', old.id, old.name, old.description);
        INSERT INTO products_fts (rowid, name, description)
        VALUES (new.id, new.name, new.description);
    END
    """,
)


def _create_sqlite_triggers() -> None:
    for trigger in _SQLITE_TRIGGERS:
        op.execute(trigger)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(
        "CREATE INDEX ix_products_category_lower ON products (lower(category), id, price_cents)"
    )
    if dialect == "sqlite":
        # trigram: case-insensitive (Unicode case folding, a superset of SQLite's ASCII
        # lower()); detail=full keeps token positions, so a quoted needle is a phrase query.
        op.execute(
            "CREATE VIRTUAL TABLE products_fts USING fts5(name, description, "
            "content='products', content_rowid='id', tokenize='trigram', detail=full)"
        )
        op.execute("INSERT INTO products_fts (products_fts) VALUES ('rebuild')")
        _create_sqlite_triggers()
    elif dialect == "postgresql":
        # A trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_products_name_trgm ON products USING gin (lower(name) gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_products_description_trgm ON products "
            "USING gin (lower(description) gin_trgm_ops)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("products_fts_update", "products_fts_delete", "products_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_description_trgm")
        op.execute("DROP INDEX IF EXISTS ix_products_name_trgm")
        # pg_trgm stays: other objects of the database may use it, and it holds no data.
    op.execute("DROP INDEX IF EXISTS ix_products_category_lower")
