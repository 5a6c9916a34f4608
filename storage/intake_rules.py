"""The rules of taking a prompt in, as a pure function of what the database knows (no I/O):
both backends run the same decision inside their own transaction.

Every allowance is counted in credits: a picture costs its model's credits. The day's credits
(DAILY_LIMIT, /setlimit, /grant) are spent first, then purchased ones (Telegram Stars), which
do not expire; a group's own limit counts every credit its pictures cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.choices import NOTHING_CHOSEN, Remembered
from storage.port import Row
from storage.task import Task


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
    used: int  # the day's credits used today, this task's included


@dataclass(frozen=True, slots=True)
class OverQuota:
    used: int  # the day's credits used already
    limit: int | None = None  # the day's credits, extra grants included
    needed: int = 1  # what the picture costs
    purchased: int = 0  # purchased credits on hand


@dataclass(frozen=True, slots=True)
class GroupOverQuota:
    used: int  # credits the group's pictures cost today
    limit: int
    needed: int = 1


@dataclass(frozen=True, slots=True)
class Choice:
    """The model a new task is drawn with, its ratio, and its price in credits."""

    model: str
    ar: str | None
    credits: int


@dataclass(frozen=True, slots=True)
class Charge:
    """The picture may start: of its credits, `paid` come from purchased ones."""

    paid: int = 0


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


Refusal = OverQuota | GroupOverQuota | TooManyActive | Banned


@dataclass(frozen=True, slots=True)
class Facts:
    """What the bounds are made of, read in one statement inside the intake's transaction."""

    dup_id: int | None  # a task made from the same message already
    banned: bool
    daily_limit: int | None  # the person's own limit (/setlimit)
    extra: int  # today's /grant
    used: int  # the day's credits the person's charged tasks took today
    group_limit: int | None  # the chat's own limit (/grouplimit)
    group_used: int  # credits the chat's charged tasks cost today
    active: int  # the person's open tasks
    purchased: int = 0  # the person's purchased credits
    # What the person (/model, /ar) and the chat (a group's /model) chose before.
    remembered: Remembered = NOTHING_CHOSEN

    @classmethod
    def from_row(cls, row: Row) -> Facts:
        def maybe(value: Any) -> int | None:
            return None if value is None else int(value)

        return cls(
            dup_id=maybe(row["dup_id"]),
            banned=bool(row["banned"]),
            daily_limit=maybe(row["daily_limit"]),
            extra=int(row["extra"]),
            used=int(row["used"]),
            group_limit=maybe(row["group_limit"]),
            group_used=int(row["group_used"]),
            active=int(row["active"]),
            purchased=int(row["purchased"] or 0),
            remembered=Remembered(row["model"], row["ar"], row["chat_model"]),
        )


def decide(facts: Facts, bounds: Limits, credits: int = 1) -> Refusal | Charge:
    """Why a picture of `credits` may not start, or how it is paid for when it may. (A
    duplicate is found before.)"""
    if facts.banned:
        return Banned()
    personal = personal_limit(bounds, facts.daily_limit, facts.extra)
    paid = 0
    if personal is not None:
        # Today's credits first; what they do not cover comes from purchased ones.
        paid = max(credits - max(personal - facts.used, 0), 0)
        if paid > facts.purchased:
            return OverQuota(facts.used, personal, needed=credits, purchased=facts.purchased)
    if bounds.is_group and not bounds.exempt:
        own = facts.group_limit
        group = (own if own is not None else bounds.group_daily) or None
        if group is not None and facts.group_used + credits > group:
            return GroupOverQuota(facts.group_used, group, needed=credits)
    if bounds.max_active is not None and not bounds.exempt and facts.active >= bounds.max_active:
        return TooManyActive(facts.active, bounds.max_active)
    return Charge(paid)


def personal_limit(bounds: Limits, own: int | None, extra: int) -> int | None:
    """The user's own limit today: /setlimit over DAILY_LIMIT, plus today's /grant."""
    if bounds.exempt:
        return None
    base = bounds.daily if own is None else own
    return None if base is None else base + extra
