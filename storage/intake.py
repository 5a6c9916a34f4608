"""Taking a prompt in: every bound checked and the task inserted in one transaction, so a
burst can never overspend; and the counts those bounds are made of."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import partial

from storage.database import Database
from storage.task import OPEN_SQL, NewTask, Task
from storage.users import UPSERT_USER, UserSeen


@dataclass(frozen=True, slots=True)
class Limits:
    """What bounds a new task; every bound is checked inside the insert's transaction."""

    daily: int | None  # the default personal limit (DAILY_LIMIT); None: no limit
    max_active: int | None = None  # open tasks per user (MAX_ACTIVE_TASKS); None: no cap
    group_daily: int | None = None  # GROUP_DAILY_LIMIT for a group without its own setting
    is_group: bool = False  # the chat is a group: its own daily limit applies as well
    exempt: bool = False  # an operator (ADMIN_IDS): none of the bounds above


@dataclass(frozen=True, slots=True)
class Created:
    task: Task
    used: int  # charged tasks today, this one included


@dataclass(frozen=True, slots=True)
class OverQuota:
    used: int
    limit: int | None = None  # the limit that applied, extra grants included


@dataclass(frozen=True, slots=True)
class GroupOverQuota:
    used: int
    limit: int


@dataclass(frozen=True, slots=True)
class TooManyActive:
    active: int
    limit: int


@dataclass(frozen=True, slots=True)
class Banned:
    """The operator banned this user: nothing is started."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The same Telegram message was seen before (an update delivered again after a restart)."""

    task: Task


class TaskIntake:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        new: NewTask,
        *,
        limit: int | None = None,
        limits: Limits | None = None,
        user: UserSeen | None = None,
    ) -> Created | OverQuota | GroupOverQuota | TooManyActive | Banned | Duplicate:
        """Check every bound and insert in one transaction, so a burst can never overspend.
        `user` is recorded in the same write: one commit per prompt instead of two. The whole
        transaction is one trip to the database thread (see Database.in_one_trip)."""
        bounds = limits if limits is not None else Limits(daily=limit)
        return await self._db.in_one_trip(partial(_create, new=new, bounds=bounds, user=user))

    async def used(self, user_id: int, quota_day: str) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE user_id = ? AND quota_day = ? AND charged = 1",
            (user_id, quota_day),
        )
        return int(row[0]) if row else 0

    async def used_in_chat(self, chat_id: int, quota_day: str) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE chat_id = ? AND quota_day = ? AND charged = 1",
            (chat_id, quota_day),
        )
        return int(row[0]) if row else 0


def _create(
    conn: sqlite3.Connection, *, new: NewTask, bounds: Limits, user: UserSeen | None
) -> Created | OverQuota | GroupOverQuota | TooManyActive | Banned | Duplicate:
    """TaskIntake.create's transaction, run on the database thread."""
    if user is not None:
        conn.execute(UPSERT_USER, user.params(new.created_at))
    # fetchall, not fetchone: every statement runs to its end before the COMMIT.
    facts = conn.execute(
        _FACTS,
        {"key": new.source_key, "user": new.user_id, "day": new.quota_day, "chat": new.chat_id},
    ).fetchall()[0]
    if facts["dup_id"] is not None:
        found = conn.execute("SELECT * FROM tasks WHERE id = ?", (facts["dup_id"],)).fetchall()[0]
        return Duplicate(Task.from_row(found))
    if facts["banned"]:
        return Banned()
    used = int(facts["used"])
    personal = _personal_limit(bounds, facts["daily_limit"], int(facts["extra"]))
    if personal is not None and used >= personal:
        return OverQuota(used, personal)
    if bounds.is_group and not bounds.exempt:
        own = facts["group_limit"]
        group = (int(own) if own is not None else bounds.group_daily) or None
        if group is not None and int(facts["group_used"]) >= group:
            return GroupOverQuota(int(facts["group_used"]), group)
    if bounds.max_active is not None and not bounds.exempt:
        active = int(facts["active"])
        if active >= bounds.max_active:
            return TooManyActive(active, bounds.max_active)
    inserted = conn.execute(
        """
        INSERT INTO tasks (source_key, user_id, chat_id, message_id, thread_id, prompt,
                           model, state, quota_day, created_at, updated_at, next_at,
                           deadline, locale)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?)
        RETURNING *
        """,
        (
            new.source_key,
            new.user_id,
            new.chat_id,
            new.message_id,
            new.thread_id,
            new.prompt,
            new.model,
            new.quota_day,
            new.created_at,
            new.created_at,
            new.created_at,
            new.deadline,
            new.locale,
        ),
    ).fetchall()[0]
    return Created(Task.from_row(inserted), used + 1)


def _personal_limit(bounds: Limits, own: int | None, extra: int) -> int | None:
    """The user's own limit today: /setlimit over DAILY_LIMIT, plus today's /grant."""
    if bounds.exempt:
        return None
    base = bounds.daily if own is None else int(own)
    return None if base is None else base + extra


_FACTS = f"""
    SELECT
        (SELECT id FROM tasks WHERE source_key = :key) AS dup_id,
        (SELECT banned FROM users WHERE user_id = :user) AS banned,
        (SELECT daily_limit FROM users WHERE user_id = :user) AS daily_limit,
        (SELECT COALESCE(SUM(extra), 0) FROM grants
            WHERE user_id = :user AND quota_day = :day) AS extra,
        (SELECT COUNT(*) FROM tasks
            WHERE user_id = :user AND quota_day = :day AND charged = 1) AS used,
        (SELECT daily_limit FROM chat_limits WHERE chat_id = :chat) AS group_limit,
        (SELECT COUNT(*) FROM tasks
            WHERE chat_id = :chat AND quota_day = :day AND charged = 1) AS group_used,
        (SELECT COUNT(*) FROM tasks WHERE user_id = :user AND state IN {OPEN_SQL}) AS active
"""
