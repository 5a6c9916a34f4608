"""What became of a request: one frozen dataclass per answer the person can get."""

from __future__ import annotations

from dataclasses import dataclass

from bot.drawing.picks import ModelGone
from bot.drawing.prompts import PromptProblem
from bot.drawing.quota import QuotaStatus
from bot.models.choices import RatioRefused, UnknownModel
from storage import Task

__all__ = [
    "Accepted",
    "AlreadySeen",
    "Barred",
    "Busy",
    "ButtonOutcome",
    "GroupRefused",
    "ModelGone",
    "Outcome",
    "PromptRefused",
    "RatioRefused",
    "Refused",
    "UnknownModel",
    "UnknownTask",
]


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
    """The person's credits (today's and purchased) do not cover the picture."""

    quota: QuotaStatus
    needed: int = 1  # what the picture costs
    can_buy: bool = False  # credits are sold (STAR_PACKS): say /buy


@dataclass(frozen=True, slots=True)
class GroupRefused:
    """The group's own daily credits do not cover the picture."""

    quota: QuotaStatus
    needed: int = 1


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


Outcome = (
    Accepted
    | PromptRefused
    | Refused
    | GroupRefused
    | Busy
    | Barred
    | AlreadySeen
    | UnknownModel
    | RatioRefused
)
# A button draws a picture again: its task may be unknown here, or its model gone.
ButtonOutcome = Outcome | UnknownTask | ModelGone
