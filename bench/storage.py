"""`python -m bench.storage`: the storage layer alone, on each backend, in this process.

Creates per second (TaskIntake.create as the bot calls it: limits, the person recorded in the
same write), 500 one after another and 500 at once from 500 people; the whole intake path
(create, claim_submit, mark_submitted); and the background loop's look-ups (due, next_due_at)
with 1,000 tasks open. PostgreSQL is TEST_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/test
by default), in a schema made for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from storage import Created, Database, Limits, NewTask, TaskStore, open_database
from storage.users import UserSeen

DAY = "2024-05-01"
LIMITS = Limits(daily=10, max_active=2)


def prompt(n: int, base: int) -> tuple[NewTask, UserSeen]:
    user = base + n
    now = time.time()
    new = NewTask(
        source_key=f"{user}:{n}",
        user_id=user,
        chat_id=user,
        message_id=n,
        thread_id=None,
        prompt="a red fox in the snow",
        model="yandex-art",
        quota_day=DAY,
        created_at=now,
        deadline=now + 600,
    )
    return new, UserSeen(user, f"user{user}", "Name", "en")


async def create(tasks: TaskStore, n: int, base: int) -> int:
    new, user = prompt(n, base)
    outcome = await tasks.intake.create(new, limits=LIMITS, user=user)
    assert isinstance(outcome, Created), outcome
    return outcome.task.id


async def intake_path(tasks: TaskStore, n: int, base: int) -> None:
    task_id = await create(tasks, n, base)
    now = time.time()
    assert await tasks.steps.claim_submit(task_id, now) is not None
    assert await tasks.steps.mark_submitted(task_id, f"up-{task_id}", next_at=now + 5, now=now)


async def rate(count: int, concurrent: bool, one: Callable[[int], Awaitable[object]]) -> float:
    started = time.perf_counter()
    if concurrent:
        await asyncio.gather(*(one(n) for n in range(count)))
    else:
        for n in range(count):
            await one(n)
    return count / (time.perf_counter() - started)


async def measure(db: Database, count: int) -> dict[str, float]:
    tasks = TaskStore.over(db)
    figures: dict[str, float] = {}
    figures["create, sequential"] = await rate(count, False, lambda n: create(tasks, n, 1_000_000))
    figures["create, concurrent"] = await rate(count, True, lambda n: create(tasks, n, 2_000_000))
    figures["intake path, sequential"] = await rate(
        count, False, lambda n: intake_path(tasks, n, 3_000_000)
    )
    figures["intake path, concurrent"] = await rate(
        count, True, lambda n: intake_path(tasks, n, 4_000_000)
    )
    # About 1,000 open now (half of them submitted); the loop asks these many times a second.
    now = time.time() + 10
    figures["due(limit 32)"] = await rate(count, False, lambda n: tasks.queue.due(now, 32))
    figures["next_due_at"] = await rate(count, False, lambda n: tasks.queue.next_due_at())
    return figures


async def on_sqlite(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            return await measure(db, count)
        finally:
            await db.close()


async def on_postgres(count: int, url: str, pool_size: int) -> dict[str, float]:
    schema = f"bench_{os.getpid()}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        parts = urlsplit(url)
        query = urlencode([*parse_qsl(parts.query), ("search_path", schema)])
        db = await open_database(urlunsplit(parts._replace(query=query)), pool_size=pool_size)
        try:
            return await measure(db, count)
        finally:
            await db.close()
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    results = {"sqlite": asyncio.run(on_sqlite(args.count))}
    results["postgresql"] = asyncio.run(on_postgres(args.count, args.postgres, args.pool_size))
    print(f"{'per second':28} {'sqlite':>10} {'postgresql':>12}")
    for name in results["sqlite"]:
        print(f"{name:28} {results['sqlite'][name]:10.0f} {results['postgresql'][name]:12.0f}")


if __name__ == "__main__":
    main()
