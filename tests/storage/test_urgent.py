"""`Database.urgent`: the write that stores a create's answer goes ahead of everything queued."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.port import Database
from storage.sqlite.database import SqliteDatabase


async def test_an_urgent_statement_is_stored_before_a_crowd_of_ordinary_ones(
    tmp_path: Path,
) -> None:
    db = SqliteDatabase(tmp_path / "urgent.sqlite3")
    await db.connect()
    try:
        await db.execute("CREATE TABLE seen (what TEXT)")
        crowd = [
            asyncio.create_task(db.execute("INSERT INTO seen VALUES (?)", (f"crowd{i}",)))
            for i in range(50)
        ]
        await asyncio.sleep(0)  # the crowd is queued for the connection
        await db.urgent.execute("INSERT INTO seen VALUES ('urgent')")
        await asyncio.gather(*crowd)
        rows = await db.fetchall("SELECT what FROM seen ORDER BY rowid")
        position = [row[0] for row in rows].index("urgent")
        assert position <= 1, f"waited behind {position} ordinary statements"
    finally:
        await db.close()


async def test_urgent_and_ordinary_statements_see_each_others_writes(db: Database) -> None:
    await db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
    await db.execute("INSERT INTO notes (id, body) VALUES (1, 'ordinary')")
    rows = await db.urgent.fetchall(
        "UPDATE notes SET body = body || ' then urgent' WHERE id = 1 RETURNING body"
    )
    assert [row["body"] for row in rows] == ["ordinary then urgent"]
    assert await db.urgent.execute("UPDATE notes SET body = 'x' WHERE id = 2") == 0
    row = await db.fetchone("SELECT body FROM notes WHERE id = 1")
    assert row is not None and row["body"] == "ordinary then urgent"
