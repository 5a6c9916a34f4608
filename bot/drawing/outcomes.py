"""What became of a request: one frozen dataclass per answer the person can get."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.drawing.picks import ModelGone
from bot.drawing.prompts import PromptProblem, check_prompt
from bot.drawing.quota import QuotaStatus
from bot.models.catalogue import ModelInfo
from bot.models.choices import RatioRefused, UnknownModel
from storage import Task

__all__ = [
    "Accepted",
    "AlreadySeen",
    "Barred",
    "Busy",
    "ButtonOutcome",
    "EditAsked",
    "GroupRefused",
    "ModelGone",
    "NoReferences",
    "Outcome",
    "PictureOutcome",
    "PictureProblem",
    "PictureRefused",
    "PromptRefused",
    "RatioRefused",
    "ReferencesOff",
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


def refusal(prompt: str | None, limit: int) -> PromptRefused | None:
    """Why this prompt can't be drawn, with its length and the limit; None if it can."""
    problem = check_prompt(prompt, limit)
    if problem is None:
        return None
    return PromptRefused(problem, len(prompt.strip()) if prompt else 0, limit)


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


# Drawing from a picture (issue 14).


@dataclass(frozen=True, slots=True)
class ReferencesOff:
    """No public URL (PUBLIC_URL, WEBHOOK_URL): GPTunnel could not fetch a picture from here."""


class PictureProblem(StrEnum):
    TOO_BIG = "too_big"  # no size of it within MAX_PICTURE_BYTES
    UNREADABLE = "unreadable"  # Telegram would not hand it over
    NOT_IMAGE = "not_image"  # the bytes are no JPEG, PNG or WebP
    GONE = "gone"  # a waiting picture expired, or a picture's original is no longer kept


@dataclass(frozen=True, slots=True)
class PictureRefused:
    problem: PictureProblem


@dataclass(frozen=True, slots=True)
class NoReferences:
    """The model picked takes no picture: nothing is charged; the picture waits (`waiting`)
    for the person to pick one of `offers`."""

    model: ModelInfo
    offers: tuple[ModelInfo, ...]
    waiting: int | None = None  # the kept picture's id, for the offers' buttons


@dataclass(frozen=True, slots=True)
class EditAsked:
    """The Edit button was pressed under its own picture: ask what to change."""

    task_id: int


PictureOutcome = ButtonOutcome | ReferencesOff | PictureRefused | NoReferences
