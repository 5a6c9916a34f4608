"""Copying every table from one database to another, of either backend (`python -m bot
copy-data`): how an operator moves a bot from SQLite to PostgreSQL, or back.

Rows are copied as they are, task ids included, so open tasks carry on in the target: they are
only rows, and the background loop picks them up from there. The target is written in one
transaction: a copy that fails half-way leaves it as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database, Dialect, Executor, Row


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    key: tuple[str, ...]  # the primary key: the order rows are read in, a batch at a time
    batch: int = 1000  # rows per read


# Every table of the schema (schema_migrations aside: each database keeps its own).
TABLES = (
    Table("users", ("user_id",)),
    Table("tasks", ("id",)),
    Table("grants", ("user_id", "quota_day")),
    Table("chat_limits", ("chat_id",)),
    Table("admin_alerts", ("kind",)),
    Table("meta", ("key",)),
    Table("originals", ("task_id",), batch=20),  # whole pictures: a few at a time
    Table("pruned_tasks", ("state", "reason")),
    Table("chat_models", ("chat_id",)),
    Table("payments", ("charge_id",)),
    Table("chat_migrations", ("old_chat_id",)),
    # Pictures to draw from: an open task's goes along, or it would fail for want of it.
    Table("reference_images", ("id",), batch=5),
)
# Tables whose ids PostgreSQL numbers itself: the next id must come after the copied ones.
IDENTITIES = ("tasks", "reference_images")


class TargetNotEmpty(Exception):
    """The target already holds rows, and `force` was not given."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        held = ", ".join(f"{name}: {n}" for name, n in counts.items() if n)
        super().__init__(f"the target already holds rows ({held})")


async def count_rows(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table.name}")
        counts[table.name] = int(row[0]) if row else 0
    return counts


async def copy_data(source: Database, target: Database, *, force: bool = False) -> dict[str, int]:
    """Copy every row of `source` into `target`; the rows copied, per table.

    A target holding any row is refused (TargetNotEmpty) unless `force`: then every row it
    held is deleted first, in the same transaction as the copy."""
    existing = await count_rows(target)
    if any(existing.values()) and not force:
        raise TargetNotEmpty(existing)
    copied: dict[str, int] = {}
    async with target.transaction() as tx:
        for table in reversed(TABLES):
            await tx.execute(f"DELETE FROM {table.name}")
        for table in TABLES:
            copied[table.name] = await _copy_table(source, tx, table)
        if target.dialect is Dialect.POSTGRESQL:
            # The ids came with the rows: the next id must come after the last of them.
            for name in IDENTITIES:
                await tx.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE(MAX(id), 0) + 1, false) FROM {name}"
                )
    return copied


async def _copy_table(source: Database, tx: Executor, table: Table) -> int:
    order = ", ".join(table.key)
    after = f"({order}) > ({', '.join('?' for _ in table.key)})"
    done = 0
    last: tuple[object, ...] | None = None
    while True:
        if last is None:
            rows = await source.fetchall(
                f"SELECT * FROM {table.name} ORDER BY {order} LIMIT ?", (table.batch,)
            )
        else:
            rows = await source.fetchall(
                f"SELECT * FROM {table.name} WHERE {after} ORDER BY {order} LIMIT ?",
                (*last, table.batch),
            )
        if not rows:
            return done
        columns = list(rows[0].keys())
        await tx.executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            [_values(row, columns) for row in rows],
        )
        done += len(rows)
        last = tuple(rows[-1][column] for column in table.key)


def _values(row: Row, columns: list[str]) -> tuple[object, ...]:
    return tuple(row[column] for column in columns)
