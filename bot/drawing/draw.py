"""Drawing a prompt for someone: the one call behind every way a person asks for a picture
(a message, a command, "again" under a picture, a prompt from /history)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.drawing.intake import Intake
from bot.drawing.options import parse_options
from bot.drawing.outcomes import Accepted, ButtonOutcome, Outcome, PromptRefused, UnknownTask
from bot.drawing.picks import NOTHING_REMEMBERED, Pick, pick, repeat
from bot.drawing.prompts import check_prompt
from bot.drawing.requests import DrawRequest
from bot.models.choices import ModelChoices
from storage import Task, TaskSteps


class Starter(Protocol):
    """Takes an accepted task on from here (status message, then the background loop)."""

    def start(self, task: Task) -> None: ...


class Drawing:
    def __init__(
        self,
        *,
        intake: Intake,
        tasks: TaskSteps,
        starter: Starter,
        choices: ModelChoices,
        max_prompt_length: int,
    ) -> None:
        self._intake = intake
        self._tasks = tasks
        self._starter = starter
        self._choices = choices
        self._max_prompt_length = max_prompt_length

    async def draw(self, request: DrawRequest) -> Outcome:
        """Check the prompt and its options, charge and record it, and start it; returns at
        once, without waiting for GPTunnel or for Telegram's pace."""
        options = parse_options(request.prompt)
        refused = self._refusal(options.prompt)
        if refused is not None:
            return refused
        assert options.prompt is not None
        place = request.place
        remembered = NOTHING_REMEMBERED
        if options.model is None or options.ar is None:
            group = place.chat_id if place.is_group else None
            remembered = await self._choices.remembered(request.person.id, group)
        picked = pick(
            self._choices.catalogue,
            self._choices.default_model,
            remembered,
            in_group=place.is_group,
            model=options.model,
            ar=options.ar,
        )
        if not isinstance(picked, Pick):
            return picked
        return await self._take(request, options.prompt, picked)

    async def again(self, request: DrawRequest, task_id: int) -> ButtonOutcome:
        """The prompt of a picture in this chat, drawn anew (same model and ratio) for
        whoever pressed "again"."""
        task = await self._tasks.get(task_id)
        if task is None or task.chat_id != request.place.chat_id:
            return UnknownTask()
        return await self._repeat(request, task)

    async def redraw(self, request: DrawRequest, task_id: int) -> ButtonOutcome:
        """One of the presser's own earlier prompts (from /history), drawn anew."""
        task = await self._tasks.get(task_id)
        if task is None or task.user_id != request.person.id:
            return UnknownTask()
        return await self._repeat(request, task)

    async def _repeat(self, request: DrawRequest, task: Task) -> ButtonOutcome:
        refused = self._refusal(task.prompt)
        if refused is not None:
            return refused
        picked = repeat(self._choices.catalogue, task)
        if not isinstance(picked, Pick):
            return picked
        return await self._take(replace(request, prompt=task.prompt), task.prompt, picked)

    def _refusal(self, prompt: str | None) -> PromptRefused | None:
        problem = check_prompt(prompt, self._max_prompt_length)
        if problem is None:
            return None
        length = len(prompt.strip()) if prompt else 0
        return PromptRefused(problem, length, self._max_prompt_length)

    async def _take(self, request: DrawRequest, prompt: str, picked: Pick) -> Outcome:
        outcome = await self._intake.take(request, prompt, picked)
        if isinstance(outcome, Accepted):
            self._starter.start(outcome.task)
        return outcome
