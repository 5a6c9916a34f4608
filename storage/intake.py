"""Taking a prompt in: every bound checked and the task inserted in one transaction, so a
burst can never overspend; and the counts those bounds are made of.

The transaction is a script (see storage.port.Script): its statements and the decision between
them (storage.intake_rules.decide) are the same on both backends; each runs it its own way.
The model, ratio and price of the task may be chosen inside it too (`choose`, a pure function
of what the person and the group chose before, read with the other facts): a prompt that
names no model costs no extra round trip.
SQLite's writers queue behind one another anyway. On PostgreSQL, under READ COMMITTED, two
members of one group could both pass the group's limit in parallel transactions, so the script
holds an advisory lock on the person, then on the group chat (always in that order: nobody
waits for a person's lock while holding a chat's, so two intakes never deadlock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from storage.choices import Remembered
from storage.intake_rules import (
    Banned,
    Charge,
    Choice,
    Created,
    Duplicate,
    Facts,
    GroupOverQuota,
    Limits,
    OverQuota,
    TooManyActive,
    decide,
)
from storage.port import Database, Script, Step
from storage.task import OPEN_SQL, NewTask, Task
from storage.users import UPSERT_USER, UserSeen

__all__ = [
    "Banned",
    "Choice",
    "Chooser",
    "Created",
    "Duplicate",
    "GroupOverQuota",
    "Limits",
    "OverQuota",
    "TaskIntake",
    "TooManyActive",
]

# The day's credits a person used on a day (parameters: the person, the day), and the credits
# a chat's pictures cost on a day (the chat, the day): counted from the charged tasks, so a
# task whose charge is cleared (failed, cancelled) counts no more, in that same write.
_USED = """(SELECT COALESCE(SUM(credits - paid_credits), 0) FROM tasks
            WHERE user_id = ? AND quota_day = ? AND charged = 1)"""
_USED_IN_CHAT = """(SELECT COALESCE(SUM(credits), 0) FROM tasks
            WHERE chat_id = ? AND quota_day = ? AND charged = 1)"""

Outcome = Created | OverQuota | GroupOverQuota | TooManyActive | Banned | Duplicate
R = TypeVar("R")
# From what was chosen before, the new task's model, ratio and price, or why it cannot be
# drawn (returned as the outcome as it is). Pure and quick: on SQLite it runs on the
# database's thread, inside the transaction.
Chooser = Callable[[Remembered], Choice | R]


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
        choose: Chooser[R] | None = None,
    ) -> Outcome | R:
        """Check every bound and insert in one transaction, so a burst can never overspend.
        `user` is recorded in the same write: one commit per prompt instead of two. On SQLite
        the whole transaction is one trip to the database thread (Database.in_one_trip).
        Without `choose`, the task is drawn with `new`'s model, ratio and credits."""
        bounds = limits if limits is not None else Limits(daily=limit)
        locks = [f"user:{new.user_id}"]
        if bounds.is_group:
            locks.append(f"chat:{new.chat_id}")
        return await self._db.run_script(_create(new, bounds, user, choose), serialize_on=locks)

    async def used(self, user_id: int, quota_day: str) -> int:
        """The day's credits the person used that day (purchased ones are not among them)."""
        row = await self._db.fetchone(f"SELECT {_USED}", (user_id, quota_day))
        return int(row[0]) if row else 0

    async def used_in_chat(self, chat_id: int, quota_day: str) -> int:
        """Credits the chat's pictures cost that day, however they were paid."""
        row = await self._db.fetchone(f"SELECT {_USED_IN_CHAT}", (chat_id, quota_day))
        return int(row[0]) if row else 0


def _create(
    new: NewTask, bounds: Limits, user: UserSeen | None, choose: Chooser[R] | None
) -> Script[Outcome | R]:
    """TaskIntake.create's transaction, statement by statement."""
    # The person is recorded in the same trip as the facts are read: the facts do not read
    # what the upsert writes (name, language, last seen), only what the operator set.
    seen = None if user is None else Step(UPSERT_USER, user.params(new.created_at))
    facts = Facts.from_row(
        (
            yield Step(
                _FACTS,
                (
                    new.source_key,  # dup_id
                    *(new.user_id,) * 5,  # banned, daily_limit, purchased, model, ar
                    new.chat_id,  # chat_model
                    *(new.user_id, new.quota_day),  # extra
                    *(new.user_id, new.quota_day),  # used
                    new.chat_id,  # group_limit
                    *(new.chat_id, new.quota_day),  # group_used
                    new.user_id,  # active
                ),
                before=seen,
            )
        )[0]
    )
    if facts.dup_id is not None:
        found = yield Step("SELECT * FROM tasks WHERE id = ?", (facts.dup_id,))
        return Duplicate(Task.from_row(found[0]))
    if choose is not None:
        chosen = choose(facts.remembered)
        if not isinstance(chosen, Choice):
            return chosen
        new = replace(new, model=chosen.model, ar=chosen.ar, credits=chosen.credits)
    decision = decide(facts, bounds, new.credits)
    if not isinstance(decision, Charge):
        return decision
    inserted = yield Step(
        _INSERT,
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
            new.ar,
            new.credits,
            decision.paid,
        ),
    )
    if not inserted:
        # The same message was taken in by another transaction after the facts were read
        # (possible only on PostgreSQL, and only if two people's prompts share a key).
        found = yield Step("SELECT * FROM tasks WHERE source_key = ?", (new.source_key,))
        return Duplicate(Task.from_row(found[0]))
    if new.reference_id is not None:
        # In the same transaction: no task that should draw from a picture exists without it.
        yield Step(
            "UPDATE reference_images SET task_id = ? WHERE id = ? AND task_id IS NULL",
            (inserted[0]["id"], new.reference_id),
        )
    if decision.paid:
        # Only once the task exists: its row is what gives them back if it fails (the
        # tasks_refund_paid trigger).
        yield Step(_SPEND_PURCHASED, (decision.paid, new.user_id))
    return Created(Task.from_row(inserted[0]), facts.used + new.credits - decision.paid)


# Every figure the bounds need, and what was chosen before, in one statement (its parameters
# are listed where it is run, one line per column).
_FACTS = f"""
    SELECT
        (SELECT id FROM tasks WHERE source_key = ?) AS dup_id,
        (SELECT banned FROM users WHERE user_id = ?) AS banned,
        (SELECT daily_limit FROM users WHERE user_id = ?) AS daily_limit,
        (SELECT purchased_credits FROM users WHERE user_id = ?) AS purchased,
        (SELECT model FROM users WHERE user_id = ?) AS model,
        (SELECT ar FROM users WHERE user_id = ?) AS ar,
        (SELECT model FROM chat_models WHERE chat_id = ?) AS chat_model,
        (SELECT COALESCE(SUM(extra), 0) FROM grants
            WHERE user_id = ? AND quota_day = ?) AS extra,
        {_USED} AS used,
        (SELECT daily_limit FROM chat_limits WHERE chat_id = ?) AS group_limit,
        {_USED_IN_CHAT} AS group_used,
        (SELECT COUNT(*) FROM tasks WHERE user_id = ? AND state IN {OPEN_SQL}) AS active
"""

# A key inserted meanwhile by another transaction makes no row (and no error): see above.
_INSERT = """
    INSERT INTO tasks (source_key, user_id, chat_id, message_id, thread_id, prompt,
                       model, state, quota_day, created_at, updated_at, next_at,
                       deadline, locale, ar, credits, paid_credits)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (source_key) DO NOTHING
    RETURNING *
"""

_SPEND_PURCHASED = "UPDATE users SET purchased_credits = purchased_credits - ? WHERE user_id = ?"
