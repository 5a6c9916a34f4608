"""What became of a request: one frozen dataclass per answer the person can get."""

from __future__ import annotations

from dataclasses import dataclass

from bot.drawing.prompts import PromptProblem
from bot.drawing.quota import QuotaStatus
from storage import Task


@dataclass(frozen=True, slots=True)
class Accepted:
    task: Task  # charged and written; the background loop takes it from here


@dataclass(frozen=True, slots=True)
class PromptRefused:
    problem: PromptProblem
    length: int  # characters in the prompt as written
    limit: int  # MAX_PROMPT_LENGTH


@dataclass(frozen=True, slots=True)
class Refused:
    quota: QuotaStatus  # the person's own daily limit is spent


@dataclass(frozen=True, slots=True)
class GroupRefused:
    quota: QuotaStatus  # the group's own daily limit is spent


@dataclass(frozen=True, slots=True)
class Busy:
    limit: int  # MAX_ACTIVE_TASKS tasks of this person are still open


@dataclass(frozen=True, slots=True)
class Barred:
    """The operator banned this person."""


@dataclass(frozen=True, slots=True)
class AlreadySeen:
    task: Task  # the same Telegram message was taken in before a restart


@dataclass(frozen=True, slots=True)
class UnknownTask:
    """A button named a task that is not there for this person or chat: nothing is charged."""


Outcome = Accepted | PromptRefused | Refused | GroupRefused | Busy | Barred | AlreadySeen
ButtonOutcome = Outcome | UnknownTask
