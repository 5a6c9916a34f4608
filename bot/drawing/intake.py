"""Taking a prompt in: the quota charged and the task written, in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.drawing.outcomes import (
    Accepted,
    AlreadySeen,
    Barred,
    Busy,
    GroupRefused,
    NoReferences,
    Outcome,
    Refused,
)
from bot.drawing.quota import QuotaStatus, next_reset, quota_day
from bot.drawing.requests import DrawRequest
from bot.models.choices import RatioRefused, UnknownModel
from bot.ops.logs import bind
from bot.ops.metrics import Metrics
from bot.settings import Settings
from storage import (
    Banned,
    Chooser,
    Created,
    Duplicate,
    GroupOverQuota,
    Limits,
    NewTask,
    OverQuota,
    TaskIntake,
    TooManyActive,
)
from storage.users import UserSeen

log = logging.getLogger(__name__)


class Intake:
    def __init__(
        self,
        *,
        settings: Settings,
        tasks: TaskIntake,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._tasks = tasks
        self._metrics = metrics
        self._clock = clock

    async def take(
        self,
        request: DrawRequest,
        prompt: str,
        choose: Chooser[UnknownModel | RatioRefused | NoReferences],
        *,
        reference: int | None = None,
    ) -> Outcome | NoReferences:
        """Record the task and charge its model's credits, atomically; nothing is sent
        upstream yet. `choose` picks the model and ratio inside the transaction; `reference`
        (a kept picture, storage.references) is attached to the task in the same write."""
        now = self._clock()
        settings = self._settings
        person, place = request.person, request.place
        limits = Limits(
            daily=settings.daily_limit or None,
            max_active=settings.max_active_tasks or None,
            group_daily=settings.group_daily_limit or None,
            is_group=place.is_group,
            exempt=person.id in settings.admin_ids,
        )
        outcome = await self._tasks.create(
            NewTask(
                source_key=request.key,
                user_id=person.id,
                chat_id=place.chat_id,
                message_id=place.message_id,
                thread_id=place.thread_id,
                prompt=prompt.strip(),
                # What `choose` picks replaces these three.
                model=settings.default_model,
                ar=None,
                credits=1,
                quota_day=quota_day(now, settings.zone),
                created_at=now,
                deadline=now + settings.task_timeout,
                locale=request.locale,
                reference_id=reference,
            ),
            limits=limits,
            user=UserSeen(person.id, person.username, person.first_name, person.language_code),
            choose=choose,
        )
        if isinstance(outcome, UnknownModel | RatioRefused):
            log.info("user %s's prompt names what the catalogue lacks: %s", person.id, outcome)
            return outcome
        if isinstance(outcome, NoReferences):
            log.info("user %s's model %s takes no picture", person.id, outcome.model.id)
            return outcome
        if isinstance(outcome, Created):
            bind(task_id=outcome.task.id)  # every later line of this update names the task
            self._metrics.tasks_created.labels(outcome.task.model).inc()
            log.info(
                "task %s created for user %s in chat %s: %s, %s credits (%s purchased; %s of "
                "the day's used)",
                outcome.task.id,
                person.id,
                place.chat_id,
                outcome.task.model,
                outcome.task.credits,
                outcome.task.paid_credits,
                outcome.used,
            )
            return Accepted(outcome.task)
        if isinstance(outcome, Duplicate):
            return AlreadySeen(outcome.task)
        if isinstance(outcome, Banned):
            log.info("user %s is banned; prompt refused", person.id)
            return Barred()
        if isinstance(outcome, TooManyActive):
            log.info("user %s has %s open tasks; prompt refused", person.id, outcome.active)
            return Busy(outcome.limit)
        resets_at = next_reset(now, settings.zone)
        self._metrics.quota_refusals.inc()
        if isinstance(outcome, GroupOverQuota):
            log.info(
                "chat %s's daily credits do not cover %s more (%s used)",
                place.chat_id,
                outcome.needed,
                outcome.used,
            )
            return GroupRefused(QuotaStatus(outcome.used, outcome.limit, resets_at), outcome.needed)
        assert isinstance(outcome, OverQuota)
        log.info(
            "user %s's credits do not cover %s (%s of the day's used, %s purchased)",
            person.id,
            outcome.needed,
            outcome.used,
            outcome.purchased,
        )
        status = QuotaStatus(outcome.used, outcome.limit, resets_at, outcome.purchased)
        return Refused(status, outcome.needed, can_buy=settings.payments_on)
