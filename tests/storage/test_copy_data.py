"""Moving a bot's database between backends (`python -m bot copy-data`), both ways, on a real
SQLite file and a real PostgreSQL schema: every row comes over, open tasks carry on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from storage import (
    AlertRepository,
    Banned,
    ChatMigrationRepository,
    ChatRepository,
    ChoiceRepository,
    Database,
    Duplicate,
    Limits,
    MetaRepository,
    OriginalRepository,
    PaymentMade,
    PaymentRepository,
    ReferenceRepository,
    TaskStore,
    UserRepository,
    open_database,
)
from storage.copy_data import TABLES, TargetNotEmpty, copy_data, count_rows
from tests.storage.helpers import (
    DAY,
    T0,
    created,
    delivered_task,
    failed_task,
    new_task,
    ready_task,
    submitted_task,
    submitting_task,
)
from tests.storage.test_references import picture

REPO = Path(__file__).resolve().parents[2]
DIRECTIONS = [
    pytest.param(("sqlite", "postgresql"), id="sqlite-to-postgresql", marks=pytest.mark.postgresql),
    pytest.param(("postgresql", "sqlite"), id="postgresql-to-sqlite", marks=pytest.mark.postgresql),
    pytest.param(("sqlite", "sqlite"), id="sqlite-to-sqlite"),
]


def url_of(kind: str, request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name}.sqlite3"
    # A second schema for a PostgreSQL-to-PostgreSQL pair would need a second fixture; the
    # pairs above use at most one.
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=DIRECTIONS)
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    source_kind, target_kind = request.param
    return (
        url_of(source_kind, request, tmp_path, "source"),
        url_of(target_kind, request, tmp_path, "target"),
    )


@pytest.fixture
async def source(urls: tuple[str, str]) -> AsyncIterator[Database]:
    database = await open_database(urls[0])
    await fill(database)
    yield database
    await database.close()


@pytest.fixture
async def target(urls: tuple[str, str]) -> AsyncIterator[Database]:
    database = await open_database(urls[1])
    yield database
    await database.close()


async def fill(db: Database) -> None:
    """A bot's database in use: a task in every state, and a row in every table."""
    tasks = TaskStore.over(db)
    users = UserRepository(db)
    await users.seen(1, username="Alice", first_name="A", language_code="ru", now=T0)
    await users.set_daily_limit(1, 20, T0)
    await users.choose_locale(1, "en", T0)
    await users.set_banned(66, True, T0)
    await users.grant(1, DAY, 3)
    await ChatRepository(db).set_daily_limit(-100500, 7)
    await AlertRepository(db).claim("balance", T0, 3600)
    await MetaRepository(db).get_or_create("webhook_secret", lambda: "s3cr3t-value")
    await created(tasks, new_task(created_at=T0 + 30))
    await submitting_task(tasks)
    open_task = await submitted_task(tasks)
    await ready_task(tasks)
    done = await delivered_task(tasks)
    await failed_task(tasks)
    group = replace(new_task(user_id=2, source_key="-100500:9"), chat_id=-100500)
    await tasks.intake.create(group, limits=Limits(daily=5, is_group=True))
    await OriginalRepository(db).save(done.id, bytes(range(256)) * 40, "picture.png", T0 + 11)
    # Issue 14: a picture an open task draws from, and one waiting for a model.
    pictures = ReferenceRepository(db)
    drawing_from = await pictures.keep(picture("a" * 43))
    await db.execute(
        "UPDATE reference_images SET task_id = ? WHERE id = ?", (open_task.id, drawing_from.id)
    )
    await pictures.keep(picture("b" * 43))
    # What earlier prunings counted (storage.task_retention).
    await db.execute(
        "INSERT INTO pruned_tasks (state, reason, tasks) VALUES ('failed', 'timeout', 4)"
    )
    # Issue 13: choices, a Stars payment, a task paid partly with purchased credits.
    choices = ChoiceRepository(db)
    await choices.set_model(1, "flux-dev", T0)
    await choices.set_ratio(1, "16:9", T0)
    await choices.set_chat_model(-100500, "seedream-3")
    await PaymentRepository(db).record(
        PaymentMade("charge-1", 1, 1, "pack:10:50", 10, 50, "XTR", "prov-1"), T0
    )
    # Issue 9: a group upgraded to a supergroup (none of the rows above were its).
    await ChatMigrationRepository(db).move(-4242, -1004242, T0)


async def everything(db: Database) -> dict[str, list[dict[str, object]]]:
    rows = {}
    for table in TABLES:
        found = await db.fetchall(f"SELECT * FROM {table.name} ORDER BY {', '.join(table.key)}")
        rows[table.name] = [dict(row) for row in found]
    return rows


async def test_every_row_comes_over_and_open_tasks_carry_on(
    source: Database, target: Database
) -> None:
    copied = await copy_data(source, target)
    assert copied == await count_rows(source) == await count_rows(target)
    assert copied["tasks"] == 7 and copied["originals"] == 1
    assert all(copied[table.name] >= 1 for table in TABLES)
    assert await everything(target) == await everything(source)
    # The picture an open task draws from is served from the target as from the source.
    assert await ReferenceRepository(target).image("a" * 43, T0 + 1) is not None

    before, after = TaskStore.over(source), TaskStore.over(target)
    for now in (T0, T0 + 10, T0 + 30, T0 + 1000):
        assert await after.queue.due(now, 50) == await before.queue.due(now, 50)
    assert await after.queue.next_due_at() == await before.queue.next_due_at()
    assert await after.queue.count_open() == await before.queue.count_open() == 5
    assert await after.intake.used(1, DAY) == await before.intake.used(1, DAY)
    assert await after.intake.used_in_chat(-100500, DAY) == 1
    assert await PaymentRepository(target).balance(1) == 10
    # The loop carries on with a copied task, and new tasks are numbered after the copied.
    waiting = (await after.queue.due(T0 + 30, 50))[0]
    assert await after.steps.claim_submit(waiting.id, T0 + 31) is not None
    fresh = await created(after, new_task(source_key="after-the-move"))
    assert fresh.id == 8
    # Limits and duplicates read the copied rows.
    again = await after.intake.create(replace(new_task(source_key="-100500:9"), user_id=2))
    assert isinstance(again, Duplicate) and again.task.source_key == "-100500:9"
    assert await after.intake.create(new_task(user_id=66, source_key="banned")) == Banned()
    assert await UserRepository(target).find_by_username("alice") == 1


async def test_a_target_with_rows_is_refused_unless_forced(
    source: Database, target: Database
) -> None:
    await copy_data(source, target)
    extra = await created(TaskStore.over(target), new_task(source_key="only-in-target"))
    with pytest.raises(TargetNotEmpty, match="tasks: 8"):
        await copy_data(source, target)
    # --force: the target's rows are deleted, then everything is copied again.
    copied = await copy_data(source, target, force=True)
    assert copied == await count_rows(target)
    assert await TaskStore.over(target).steps.get(extra.id) is None
    assert await everything(target) == await everything(source)


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user or 'postgres'}:{password}@{host}"))


def copy_command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "GPTUNNEL_API_KEY"}}
    return subprocess.run(
        [sys.executable, "-m", "bot", "copy-data", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.postgresql)])
def test_the_command_copies_refuses_and_forces_without_bot_settings(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    source_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"

    async def prepare() -> None:
        source = await open_database(source_url)
        await fill(source)
        await source.close()

    asyncio.run(prepare())
    if backend == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    else:
        # The server trusts this machine, so any password gets in: it must never be shown.
        target_url = with_password(request.getfixturevalue("postgres_url"), "pa55-word-xyz")

    first = copy_command("--from", source_url, "--to", target_url)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("copied sqlite:///")
    assert "  tasks: 7" in lines and "  users: 2" in lines and "  originals: 1" in lines
    assert len(lines) == 1 + len(TABLES)

    again = copy_command("--from", source_url, "--to", target_url)
    assert again.returncode == 1
    assert "already holds rows" in again.stderr and "--force" in again.stderr

    forced = copy_command("--from", source_url, "--to", target_url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == first.stdout

    # And back the other way, into a fresh file.
    back_url = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    back = copy_command("--from", target_url, "--to", back_url)
    assert back.returncode == 0, back.stderr
    assert back.stdout.splitlines()[1:] == lines[1:]
    for run in (first, again, forced, back):
        assert "pa55-word-xyz" not in run.stdout + run.stderr


def test_the_command_refuses_bad_urls_and_one_database_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    bad = copy_command("--from", url, "--to", "mysql://root:hunter2-pw@db/bot")
    assert bad.returncode == 1
    assert "must be" in bad.stderr and "hunter2-pw" not in bad.stderr
    same = copy_command("--from", url, "--to", f"sqlite:///{tmp_path}/./bot.sqlite3")
    assert same.returncode == 1 and "same database" in same.stderr
    missing = copy_command("--from", url)
    assert missing.returncode == 2 and "--to" in missing.stderr
