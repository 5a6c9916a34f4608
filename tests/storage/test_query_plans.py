"""The look-ups that run all the time stay small however many finished tasks the table holds:
none of them reads the whole task table (issue 10).

Each statement is taken from the repository as it runs it, then explained: SQLite's `EXPLAIN
QUERY PLAN` must show no `SCAN tasks` (a whole-table read), no whole index read unless the
index is partial (it holds only open tasks), and no range of ids from the first one;
PostgreSQL's generic plan (the one a prepared statement may keep, whatever its parameters),
with sequential scans priced out (`enable_seqscan = off`, so an empty table plans as a large
one would), must show no sequential scan of `tasks`, no index read without a condition on a
full index, and no range of ids.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from storage import Database, Dialect, TaskQueue, TaskRetention, TaskStore
from storage.port import Params, Row, Script
from storage.postgres.sql import numbered
from tests.storage.helpers import T0, submitted_task


@dataclass
class Recorder:
    """Stands in for the database: keeps each statement, answers nothing."""

    statements: list[tuple[str, Params]] = field(default_factory=list)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        self.statements.append((sql, params))
        return []

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        self.statements.append((sql, params))
        return None

    async def execute(self, sql: str, params: Params = ()) -> int:
        self.statements.append((sql, params))
        return 0

    async def run_script(self, script: Script[Any], *, serialize_on: Iterable[str] = ()) -> Any:
        step = next(script)  # the first statement; what follows depends on its rows
        self.statements.append((step.sql, step.params))
        script.close()
        return 0


LOOK_UPS: dict[str, Callable[[Any, Any], Awaitable[object]]] = {
    "due (new, ready)": lambda db, task: TaskQueue(db).due(T0, 32, states=("new", "ready")),
    "due (submitted)": lambda db, task: TaskQueue(db).due(T0, 16, states=("submitted",)),
    "next_due_at": lambda db, task: TaskQueue(db).next_due_at(frozenset({1, 2})),
    "count_open": lambda db, task: TaskQueue(db).count_open(),
    "queue_position": lambda db, task: TaskQueue(db).queue_position(task),
    "prune": lambda db, task: TaskRetention(db).prune(T0, 500),
}


def sqlite_problems(plan: list[str], partial: set[str]) -> Iterator[str]:
    for detail in plan:
        words = detail.split()
        if words[1:2] != ["tasks"]:
            continue
        if words[0] == "SCAN":
            index = words[-1] if "INDEX" in words else None
            if index is None or index not in partial:
                yield detail
        elif "PRIMARY KEY (rowid<?)" in detail:
            yield detail  # every task older than one: all of them, in the end


def postgres_problems(node: dict[str, Any], partial: set[str]) -> Iterator[str]:
    kind = node.get("Node Type", "")
    index = node.get("Index Name")
    if kind == "Seq Scan" and node.get("Relation Name") == "tasks":
        yield "Seq Scan on tasks"
    if "Index" in kind and "Index Cond" not in node and index not in partial:
        yield f"{kind} using {index} without a condition"
    if index == "tasks_pkey" and "=" not in node.get("Index Cond", "="):
        yield f"{kind} over a range of task ids"
    for child in node.get("Plans", []):
        yield from postgres_problems(child, partial)


async def partial_indexes(db: Database) -> set[str]:
    if db.dialect is Dialect.SQLITE:
        rows = await db.fetchall(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'"
        )
        return {str(r[0]) for r in rows if r[1] and " WHERE " in str(r[1]).upper()}
    rows = await db.fetchall(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tasks' "
        "AND schemaname = current_schema()"
    )
    return {str(r[0]) for r in rows if " WHERE " in str(r[1]).upper()}


async def explain(db: Database, sql: str, params: Params) -> list[str]:
    """What reads each table, as the backend plans it; empty when nothing is wrong."""
    partial = await partial_indexes(db)
    if db.dialect is Dialect.SQLITE:
        rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql, params)
        return list(sqlite_problems([str(row["detail"]) for row in rows], partial))
    # The plan a prepared statement may settle on: one for any parameters, so a partial index
    # helps only where the statement itself implies its condition. (EXPLAIN with parameters
    # would plan for their values instead.)
    prepared = "PREPARE plan_probe AS " + numbered(sql)
    unknown = ", ".join("NULL" for _ in params)
    async with db.transaction() as tx:
        await tx.execute("SET LOCAL enable_seqscan = off")
        await tx.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await tx.execute(prepared)
        try:
            execute = f"EXECUTE plan_probe({unknown})" if params else "EXECUTE plan_probe"
            row = await tx.fetchone("EXPLAIN (FORMAT JSON) " + execute)
        finally:
            await tx.execute("DEALLOCATE plan_probe")
    assert row is not None
    document = row[0]
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return list(postgres_problems(plan, partial))


@pytest.mark.parametrize("name", list(LOOK_UPS))
async def test_no_look_up_reads_the_whole_task_table(
    db: Database, tasks: TaskStore, name: str
) -> None:
    task = await submitted_task(tasks)
    recorder = Recorder()
    await LOOK_UPS[name](recorder, task)
    assert recorder.statements, name
    for sql, params in recorder.statements:
        assert await explain(db, sql, params) == [], sql


async def test_the_checker_sees_a_whole_table_read(db: Database, tasks: TaskStore) -> None:
    await submitted_task(tasks)
    problems = await explain(db, "SELECT * FROM tasks WHERE prompt = ?", ("a red fox",))
    assert problems
