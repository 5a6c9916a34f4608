"""Drawing a prompt for someone: the one call behind every way a person asks for a picture
(a message, a command, "again" under a picture, a prompt from /history)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.drawing.intake import Intake
from bot.drawing.options import parse_options
from bot.drawing.outcomes import (
    Accepted,
    ButtonOutcome,
    NoReferences,
    Outcome,
    UnknownTask,
    refusal,
)
from bot.drawing.picks import Pick, as_choice, chooser, repeat
from bot.drawing.requests import DrawRequest, Place
from bot.models.catalogue import Catalogue
from bot.models.choices import RatioRefused, UnknownModel
from storage import Chooser, Task, TaskSteps


class Starter(Protocol):
    """Takes an accepted task on from here (status message, then the background loop)."""

    async def start(self, task: Task) -> None: ...


class Drawing:
    def __init__(
        self,
        *,
        intake: Intake,
        tasks: TaskSteps,
        starter: Starter,
        catalogue: Catalogue,
        default_model: str,
        max_prompt_length: int,
    ) -> None:
        self._intake = intake
        self._tasks = tasks
        self._starter = starter
        self._catalogue = catalogue
        self._default_model = default_model
        self._max_prompt_length = max_prompt_length

    async def draw(self, request: DrawRequest) -> Outcome:
        """Check the prompt and its options, charge and record it, and start it; returns at
        once, without waiting for GPTunnel or for Telegram's pace."""
        options = parse_options(request.prompt)
        refused = refusal(options.prompt, self._max_prompt_length)
        if refused is not None:
            return refused
        assert options.prompt is not None
        # What the person or group chose before is read with the intake's other facts.
        choose = chooser(
            self._catalogue,
            self._default_model,
            in_group=request.place.is_group,
            model=options.model,
            ar=options.ar,
        )
        return await self._take(request, options.prompt, choose)

    async def again(self, request: DrawRequest, task_id: int) -> ButtonOutcome:
        """The prompt of the picture pressed under, drawn anew (same model and ratio) for
        whoever pressed "again".

        Button data comes from the client: a modified one can put any task's id under any
        message. Only the picture's own message counts (`request.place` is where the button
        was pressed), so a forged button reveals no other prompt, not even one of this chat
        whose picture a moderator deleted."""
        task = await self._tasks.get(task_id)
        if task is None or not under_its_picture(task, request.place):
            return UnknownTask()
        return await self._repeat(request, task)

    async def redraw(self, request: DrawRequest, task_id: int) -> ButtonOutcome:
        """One of the asker's own earlier prompts (from /history), drawn anew; in a group only
        one asked in that group, as /history there lists no other."""
        task = await self._tasks.get(task_id)
        if task is None or task.user_id != request.person.id:
            return UnknownTask()
        if request.place.is_group and task.chat_id != request.place.chat_id:
            return UnknownTask()
        return await self._repeat(request, task)

    async def _repeat(self, request: DrawRequest, task: Task) -> ButtonOutcome:
        refused = refusal(task.prompt, self._max_prompt_length)
        if refused is not None:
            return refused
        picked = repeat(self._catalogue, task)
        if not isinstance(picked, Pick):
            return picked
        choice = as_choice(picked)
        return await self._take(
            replace(request, prompt=task.prompt), task.prompt, lambda _chosen: choice
        )

    async def _take(
        self, request: DrawRequest, prompt: str, choose: Chooser[UnknownModel | RatioRefused]
    ) -> Outcome:
        outcome = await self._intake.take(request, prompt, choose)
        # A prompt without a picture never asks for a model that takes one.
        assert not isinstance(outcome, NoReferences)
        if isinstance(outcome, Accepted):
            await self._starter.start(outcome.task)
        return outcome


def under_its_picture(task: Task, place: Place) -> bool:
    """A button pressed under the message the task's picture was sent as."""
    return (
        task.chat_id == place.chat_id
        and task.picture_message_id is not None
        and task.picture_message_id == place.message_id
    )
