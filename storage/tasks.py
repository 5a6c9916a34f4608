"""The task table: the source of truth for every prompt, its quota charge and its progress.

States: new → submitting → submitted → ready → delivered, or failed from any open state.
`submitting` marks a create call that may have reached GPTunnel; a task found there after a
crash is failed rather than created again, so no prompt ever makes two upstream tasks.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

import aiosqlite

from storage.database import Database
from storage.users import UPSERT_USER, UserSeen


class TaskState(StrEnum):
    NEW = "new"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    READY = "ready"
    DELIVERED = "delivered"
    FAILED = "failed"


OPEN_STATES = (TaskState.NEW, TaskState.SUBMITTING, TaskState.SUBMITTED, TaskState.READY)
# The states the background loop acts on; `submitting` belongs to whoever claimed it.
DUE_STATES = (TaskState.NEW, TaskState.SUBMITTED, TaskState.READY)


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    source_key: str | None
    user_id: int
    chat_id: int
    message_id: int | None
    thread_id: int | None
    status_message_id: int | None
    prompt: str
    model: str
    state: TaskState
    upstream_id: str | None
    result_url: str | None
    failure: str | None
    charged: bool
    quota_day: str
    attempts: int
    polls: int
    created_at: float
    updated_at: float
    next_at: float
    deadline: float
    ready_at: float | None
    finished_at: float | None
    submitted_at: float | None = None
    last_poll_at: float | None = None
    upstream_done_at: float | None = None
    # The asker's language at intake, for texts sent from the background loop.
    locale: str = "en"
    upstream_status: str | None = None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Task:
        data: dict[str, Any] = dict(row)
        data["state"] = TaskState(data["state"])
        data["charged"] = bool(data["charged"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class NewTask:
    source_key: str | None
    user_id: int
    chat_id: int
    message_id: int | None
    thread_id: int | None
    prompt: str
    model: str
    quota_day: str
    created_at: float
    deadline: float
    locale: str = "en"


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


_OPEN = "('new', 'submitting', 'submitted', 'ready')"


class TaskRepository:
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

    async def get(self, task_id: int) -> Task | None:
        row = await self._db.fetchone("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return Task.from_row(row) if row else None

    async def used(self, user_id: int, quota_day: str) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE user_id = ? AND quota_day = ? AND charged = 1",
            (user_id, quota_day),
        )
        return int(row[0]) if row else 0

    async def set_status_message(self, task_id: int, message_id: int) -> bool:
        """Remember the status message, unless the task has already ended (then whoever
        ended it could not see this message, and the caller must clear it)."""
        changed = await self._db.execute(
            f"UPDATE tasks SET status_message_id = ? WHERE id = ? AND state IN {_OPEN}",
            (message_id, task_id),
        )
        return changed == 1

    async def claim_submit(self, task_id: int, now: float) -> Task | None:
        """new → submitting; only one caller wins, and it alone may call create upstream."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'submitting', updated_at = ? "
            "WHERE id = ? AND state = 'new' RETURNING *",
            (now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def release_submit(
        self, task_id: int, *, next_at: float, attempts: int, now: float
    ) -> None:
        """submitting → new after an answer proving nothing was created upstream."""
        await self._db.execute(
            "UPDATE tasks SET state = 'new', next_at = ?, attempts = ?, updated_at = ? "
            "WHERE id = ? AND state = 'submitting'",
            (next_at, attempts, now, task_id),
        )

    async def mark_submitted(
        self, task_id: int, upstream_id: str, *, next_at: float, now: float
    ) -> Task | None:
        """submitting → submitted; the task as it now stands, or None if it was not submitting."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'submitted', upstream_id = ?, next_at = ?, attempts = 0, "
            "submitted_at = ?, updated_at = ? WHERE id = ? AND state = 'submitting' RETURNING *",
            (upstream_id, next_at, now, now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def record_poll(
        self,
        task_id: int,
        *,
        next_at: float,
        attempts: int,
        now: float,
        upstream_status: str | None = None,
    ) -> None:
        await self._db.execute(
            "UPDATE tasks SET polls = polls + 1, next_at = ?, attempts = ?, last_poll_at = ?, "
            "upstream_status = COALESCE(?, upstream_status), updated_at = ? "
            "WHERE id = ? AND state = 'submitted'",
            (next_at, attempts, now, upstream_status, now, task_id),
        )

    async def queue_position(self, task: Task) -> int:
        """1 + how many of the bot's tasks of the same model wait upstream ahead of this one."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE state = 'submitted' AND model = ? "
            "AND upstream_status = 'idle' AND id < ?",
            (task.model, task.id),
        )
        return 1 + (int(row[0]) if row else 0)

    async def mark_ready(
        self, task_id: int, url: str, *, upstream_id: str | None = None, now: float
    ) -> Task | None:
        """The picture exists upstream. It finished somewhere between the last poll that said
        no and this one: the midpoint is what the poll scheduler learns from."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'ready', result_url = ?, "
            "upstream_id = COALESCE(upstream_id, ?), ready_at = ?, next_at = ?, "
            "attempts = 0, polls = polls + (state = 'submitted'), "
            "submitted_at = COALESCE(submitted_at, ?), "
            "upstream_done_at = (COALESCE(last_poll_at, submitted_at, ?) + ?) / 2, "
            "updated_at = ? WHERE id = ? AND state IN ('submitting', 'submitted') "
            "RETURNING *",
            (url, upstream_id, now, now, now, now, now, now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def recent_durations(self, model: str, limit: int) -> list[float]:
        """How long the newest finished tasks of a model took upstream, newest first."""
        rows = await self._db.fetchall(
            "SELECT upstream_done_at - submitted_at FROM tasks "
            "WHERE model = ? AND upstream_done_at IS NOT NULL AND submitted_at IS NOT NULL "
            "ORDER BY id DESC LIMIT ?",
            (model, limit),
        )
        return [max(float(row[0]), 0.0) for row in rows]

    async def retry_delivery(
        self, task_id: int, *, next_at: float, attempts: int, now: float
    ) -> None:
        await self._db.execute(
            "UPDATE tasks SET next_at = ?, attempts = ?, updated_at = ? "
            "WHERE id = ? AND state = 'ready'",
            (next_at, attempts, now, task_id),
        )

    async def mark_delivered(self, task_id: int, now: float) -> bool:
        changed = await self._db.execute(
            "UPDATE tasks SET state = 'delivered', finished_at = ?, updated_at = ? "
            "WHERE id = ? AND state = 'ready'",
            (now, now, task_id),
        )
        return changed == 1

    async def mark_failed(self, task_id: int, reason: str, now: float) -> Task | None:
        """Any open state → failed, giving the quota back in the same write."""
        rows = await self._db.fetchall(
            f"UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            f"updated_at = ? WHERE id = ? AND state IN {_OPEN} RETURNING *",
            (reason, now, now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def fail_interrupted(self, reason: str, now: float) -> list[Task]:
        """At start-up: a create call cut off by a crash may or may not have reached GPTunnel."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            "updated_at = ? WHERE state = 'submitting' RETURNING *",
            (reason, now, now),
        )
        return [Task.from_row(row) for row in rows]

    async def due(
        self,
        now: float,
        limit: int,
        exclude: frozenset[int] = frozenset(),
        states: tuple[str, ...] = ("new", "submitted", "ready"),
    ) -> list[Task]:
        """Open tasks whose next step is due, soonest first (`states` from DUE_STATES)."""
        wanted = [str(TaskState(state)) for state in states if TaskState(state) in DUE_STATES]
        marks = ", ".join("?" for _ in wanted)
        rows = await self._db.fetchall(
            f"SELECT * FROM tasks WHERE state IN ({marks}) AND next_at <= ? "
            "ORDER BY next_at LIMIT ?",
            (*wanted, now, limit + len(exclude)),
        )
        tasks = [Task.from_row(row) for row in rows]
        return [task for task in tasks if task.id not in exclude][:limit]

    async def next_due_at(self, exclude: frozenset[int] = frozenset()) -> float | None:
        rows = await self._db.fetchall(
            "SELECT id, next_at FROM tasks WHERE state IN ('new', 'submitted', 'ready') "
            "ORDER BY next_at LIMIT ?",
            (len(exclude) + 1,),
        )
        for row in rows:
            if row["id"] not in exclude:
                return float(row["next_at"])
        return None

    async def retry_later(self, task_id: int, next_at: float) -> None:
        """After an unexpected error in a step: try the same step again later."""
        await self._db.execute(
            "UPDATE tasks SET next_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND state IN ('new', 'submitted', 'ready')",
            (next_at, task_id),
        )

    async def count_open(self) -> int:
        row = await self._db.fetchone(f"SELECT COUNT(*) FROM tasks WHERE state IN {_OPEN}")
        return int(row[0]) if row else 0

    async def used_in_chat(self, chat_id: int, quota_day: str) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE chat_id = ? AND quota_day = ? AND charged = 1",
            (chat_id, quota_day),
        )
        return int(row[0]) if row else 0

    async def recent(self, user_id: int, limit: int) -> list[Task]:
        rows = await self._db.fetchall(
            "SELECT * FROM tasks WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit)
        )
        return [Task.from_row(row) for row in rows]

    async def cancel_waiting(self, user_id: int, reason: str, now: float) -> list[Task]:
        """new or submitted → failed, refunded, in one write; the loop skips failed tasks."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            "updated_at = ? WHERE user_id = ? AND state IN ('new', 'submitted') RETURNING *",
            (reason, now, now, user_id),
        )
        return [Task.from_row(row) for row in rows]


def _create(
    conn: sqlite3.Connection, *, new: NewTask, bounds: Limits, user: UserSeen | None
) -> Created | OverQuota | GroupOverQuota | TooManyActive | Banned | Duplicate:
    """TaskRepository.create's transaction, run on the database thread."""
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
        (SELECT COUNT(*) FROM tasks WHERE user_id = :user AND state IN {_OPEN}) AS active
"""
