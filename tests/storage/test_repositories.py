"""Every repository beside the task table, on every backend: people, chats, alerts, the bot's
own values, originals and the operator's figures."""

from __future__ import annotations

import asyncio

from storage import (
    AlertRepository,
    ChatRepository,
    Database,
    MetaRepository,
    OriginalRef,
    OriginalRepository,
    StatsRepository,
    TaskStore,
    UserRepository,
)
from tests.storage.helpers import (
    DAY,
    T0,
    created,
    delivered_task,
    failed_task,
    new_task,
    submitted_task,
)

# --- users ---------------------------------------------------------------------------------------


async def test_user_seen_inserts_then_updates(db: Database) -> None:
    users = UserRepository(db)
    await users.seen(42, username="alice", first_name="Alice", language_code="en", now=T0)
    row = await db.fetchone("SELECT * FROM users WHERE user_id = 42")
    assert row is not None
    assert dict(row) == {
        "user_id": 42,
        "username": "alice",
        "first_name": "Alice",
        "language_code": "en",
        "first_seen": T0,
        "last_seen": T0,
        "chosen_locale": None,
        "daily_limit": None,
        "banned": 0,
        "model": None,
        "ar": None,
        "purchased_credits": 0,
    }

    await users.seen(42, username=None, first_name="Ally", language_code="ru", now=T0 + 60)
    row = await db.fetchone("SELECT * FROM users WHERE user_id = 42")
    assert row is not None
    assert dict(row) == {
        "user_id": 42,
        "username": None,
        "first_name": "Ally",
        "language_code": "ru",
        "first_seen": T0,
        "last_seen": T0 + 60,
        "chosen_locale": None,
        "daily_limit": None,
        "banned": 0,
        "model": None,
        "ar": None,
        "purchased_credits": 0,
    }
    count = await db.fetchone("SELECT COUNT(*) FROM users")
    assert count is not None
    assert count[0] == 1


async def test_find_by_username_ignores_case(db: Database) -> None:
    users = UserRepository(db)
    await users.seen(7, username="Alice", first_name="A", language_code="en", now=T0)
    assert await users.find_by_username("alice") == 7
    assert await users.find_by_username("ALICE") == 7
    assert await users.find_by_username("bob") is None
    # Two people once had the name: the one seen last has it now.
    await users.seen(8, username="alice", first_name="B", language_code="en", now=T0 + 5)
    assert await users.find_by_username("Alice") == 8


async def test_operator_settings_make_the_row_of_someone_never_seen(db: Database) -> None:
    users = UserRepository(db)
    assert await users.daily_limit(5) is None
    await users.set_daily_limit(5, 3, T0)
    await users.set_banned(5, True, T0)
    await users.choose_locale(5, "ru", T0)
    assert await users.daily_limit(5) == 3
    assert await users.chosen_locale(5) == "ru"
    row = await db.fetchone("SELECT banned, first_seen FROM users WHERE user_id = 5")
    assert row is not None and (row["banned"], row["first_seen"]) == (1, T0)
    # Writing later keeps what the operator set.
    await users.seen(5, username="e", first_name="E", language_code="en", now=T0 + 1)
    assert await users.daily_limit(5) == 3
    assert await users.chosen_locale(5) == "ru"


async def test_grants_add_up_per_day(db: Database) -> None:
    users = UserRepository(db)
    assert await users.granted(1, DAY) == 0
    assert await users.grant(1, DAY, 2) == 2
    assert await users.grant(1, DAY, 3) == 5
    assert await users.grant(1, "2024-05-02", 1) == 1
    assert await users.granted(1, DAY) == 5
    totals = await asyncio.gather(*(users.grant(2, DAY, 1) for _ in range(10)))
    assert sorted(totals) == list(range(1, 11))


# --- chats, alerts, meta --------------------------------------------------------------------------


async def test_a_groups_own_limit(db: Database) -> None:
    chats = ChatRepository(db)
    assert await chats.daily_limit(-100) is None
    await chats.set_daily_limit(-100, 5)
    await chats.set_daily_limit(-100, 0)
    assert await chats.daily_limit(-100) == 0


async def test_alert_claim_once_per_window(db: Database) -> None:
    alerts = AlertRepository(db)
    claims = await asyncio.gather(*(alerts.claim("balance", T0, 3600) for _ in range(10)))
    assert claims.count(True) == 1
    assert not await alerts.claim("balance", T0 + 3599, 3600)
    assert await alerts.claim("key", T0 + 10, 3600)  # each kind on its own
    assert await alerts.claim("balance", T0 + 3600, 3600)


async def test_meta_get_or_create_agrees_on_one_value(db: Database) -> None:
    meta = MetaRepository(db)
    assert await meta.get("secret") is None
    made = iter(range(100))
    values = await asyncio.gather(
        *(meta.get_or_create("secret", lambda: f"v{next(made)}") for _ in range(10))
    )
    assert len(set(values)) == 1
    assert await meta.get("secret") == values[0]


# --- originals and figures ----------------------------------------------------------------------


async def test_an_originals_file_id_is_kept_until_the_file_changes(db: Database) -> None:
    originals = OriginalRepository(db)
    await originals.save(1, b"RIFF-one", "picture-1.webp", T0)
    assert await originals.find(1) == OriginalRef(1, "picture-1.webp", None)
    await originals.set_file_id(1, "BQACAgIAAxk")
    assert await originals.find(1) == OriginalRef(1, "picture-1.webp", "BQACAgIAAxk")
    # Kept again (a delivery retried): Telegram's id named the old bytes.
    await originals.save(1, b"RIFF-two", "picture-1.webp", T0 + 1)
    assert await originals.find(1) == OriginalRef(1, "picture-1.webp", None)
    assert await originals.find(2) is None


async def test_originals_are_kept_then_pruned(db: Database) -> None:
    originals = OriginalRepository(db)
    await originals.save(1, b"RIFF-old", "picture-1.webp", T0)
    await originals.save(2, b"RIFF-new", "picture-2.webp", T0 + 100)
    kept = await originals.get(1)
    assert kept is not None and kept.data == b"RIFF-old" and kept.filename == "picture-1.webp"
    assert await originals.prune(T0 + 50) == 1
    assert await originals.get(1) is None
    assert (await originals.get(2)) is not None


async def test_an_original_is_bytes_in_and_out_and_saving_again_replaces_it(db: Database) -> None:
    originals = OriginalRepository(db)
    picture = bytes(range(256)) * 1000  # every byte value, NUL included; 256 kB
    await originals.save(7, picture, "picture-7.png", T0)
    kept = await originals.get(7)
    assert kept is not None and kept.data == picture and kept.created_at == T0
    await originals.save(7, b"\x00new", "picture-7.webp", T0 + 1)
    again = await originals.get(7)
    assert again is not None
    assert (again.data, again.filename, again.created_at) == (b"\x00new", "picture-7.webp", T0 + 1)
    row = await db.fetchone("SELECT COUNT(*) FROM originals")
    assert row is not None and row[0] == 1


async def test_stats_figures(db: Database, tasks: TaskStore) -> None:
    stats = StatsRepository(db)
    empty = await stats.figures(day_start=T0, week_start=T0 - 7 * 86400)
    assert (empty.users_today, empty.images_total, empty.open_now) == (0, 0, 0)
    assert (empty.failures, empty.durations) == ({}, [])

    await created(tasks, new_task(user_id=2, created_at=T0 - 3 * 86400))  # earlier this week
    await delivered_task(tasks)  # created T0, delivered T0 + 11
    await failed_task(tasks)
    await submitted_task(tasks, new_task(user_id=3))
    figures = await stats.figures(day_start=T0, week_start=T0 - 7 * 86400)
    assert figures.users_today == 2  # users 1 and 3
    assert figures.users_week == 3
    assert (figures.images_today, figures.images_total) == (1, 1)
    assert figures.failures == {"generation_failed": 1}
    assert figures.durations == [11.0]
    assert figures.open_now == 2
