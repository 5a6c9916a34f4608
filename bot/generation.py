"""From a prompt to a GPTunnel task: intake with its quota charge, the create call, each poll."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.delivery import Delivery
from bot.failures import Failure
from bot.gptunnel import ErrorKind, GPTunnelClient, GPTunnelError, Progress
from bot.logs import bind
from bot.metrics import Metrics
from bot.quota import QuotaStatus, limit_for, next_reset, quota_day
from bot.scheduler import PollScheduler
from bot.settings import Settings
from storage import (
    Banned,
    ChatRepository,
    Created,
    Duplicate,
    GroupOverQuota,
    Limits,
    NewTask,
    OverQuota,
    Task,
    TaskState,
    TaskStore,
    TooManyActive,
    UserRepository,
)
from storage.users import UserSeen

log = logging.getLogger(__name__)

_FAILURE_FOR_KIND: dict[ErrorKind, Failure] = {
    ErrorKind.MODERATION: Failure.MODERATION,
    ErrorKind.UNAVAILABLE: Failure.UNAVAILABLE,
    ErrorKind.REJECTED: Failure.REJECTED,
    ErrorKind.NOT_FOUND: Failure.GENERATION_FAILED,
    ErrorKind.FATAL: Failure.GENERATION_FAILED,
    ErrorKind.TRANSIENT: Failure.OVERLOADED,
}


class PromptProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    username: str | None = None
    first_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    task: Task


@dataclass(frozen=True, slots=True)
class Refused:
    quota: QuotaStatus


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
    task: Task


Outcome = Accepted | Refused | GroupRefused | Busy | Barred | AlreadySeen
HISTORY_SIZE = 10


class GenerationService:
    def __init__(
        self,
        *,
        settings: Settings,
        tasks: TaskStore,
        users: UserRepository,
        gptunnel: GPTunnelClient,
        delivery: Delivery,
        chats: ChatRepository | None = None,
        on_upstream_error: Callable[[GPTunnelError], Awaitable[None]] | None = None,
        scheduler: PollScheduler | None = None,
        max_create_attempts: int = 5,
        max_poll_errors: int = 8,
        max_backoff: float = 60.0,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._settings = settings
        self._tasks = tasks
        self._users = users
        self._gptunnel = gptunnel
        self._delivery = delivery
        self._chats = chats
        # Told about upstream errors the operator must act on (alerts to admins).
        self._on_upstream_error = on_upstream_error
        self._scheduler = scheduler or PollScheduler(min_gap=settings.poll_interval)
        self._max_create_attempts = max_create_attempts
        self._max_poll_errors = max_poll_errors
        self._max_backoff = max_backoff
        self._clock = clock
        self._wake: Callable[[], None] = lambda: None

    def on_schedule_change(self, wake: Callable[[], None]) -> None:
        """The background loop asks to hear when a task's next step moves earlier."""
        self._wake = wake

    def check_prompt(self, prompt: str | None) -> PromptProblem | None:
        if not prompt or not prompt.strip():
            return PromptProblem.EMPTY
        if len(prompt.strip()) > self._settings.max_prompt_length:
            return PromptProblem.TOO_LONG
        return None

    @property
    def max_prompt_length(self) -> int:
        return self._settings.max_prompt_length

    def _limit(self, user_id: int) -> int | None:
        return limit_for(
            user_id, daily_limit=self._settings.daily_limit, admin_ids=self._settings.admin_ids
        )

    async def quota(self, user_id: int) -> QuotaStatus:
        now = self._clock()
        zone = self._settings.zone
        day = quota_day(now, zone)
        used = await self._tasks.intake.used(user_id, day)
        limit = self._limit(user_id)
        if user_id not in self._settings.admin_ids:
            # /setlimit replaces the default; /grant adds to today's.
            own = await self._users.daily_limit(user_id)
            limit = own if own is not None else limit
            if limit is not None:
                limit += await self._users.granted(user_id, day)
        return QuotaStatus(used=used, limit=limit, resets_at=next_reset(now, zone))

    async def request(
        self,
        person: Person,
        *,
        chat_id: int,
        message_id: int | None,
        thread_id: int | None,
        prompt: str,
        locale: str = "en",
        group: bool = False,
        source_key: str | None = None,
    ) -> Outcome:
        """Record the task and charge the quota, atomically; nothing is sent upstream yet."""
        now = self._clock()
        zone = self._settings.zone
        limits = Limits(
            daily=self._settings.daily_limit or None,
            max_active=self._settings.max_active_tasks or None,
            group_daily=self._settings.group_daily_limit or None,
            is_group=group,
            exempt=person.id in self._settings.admin_ids,
        )
        if source_key is None and message_id is not None:
            # Telegram may hand the same update over again after a restart.
            source_key = f"{chat_id}:{message_id}"
        outcome = await self._tasks.intake.create(
            NewTask(
                source_key=source_key,
                user_id=person.id,
                chat_id=chat_id,
                message_id=message_id,
                thread_id=thread_id,
                prompt=prompt.strip(),
                model=self._settings.default_model,
                quota_day=quota_day(now, zone),
                created_at=now,
                deadline=now + self._settings.task_timeout,
                locale=locale,
            ),
            limits=limits,
            user=UserSeen(person.id, person.username, person.first_name, person.language_code),
        )
        if isinstance(outcome, Created):
            bind(task_id=outcome.task.id)  # every later line of this update names the task
            self._metrics.tasks_created.labels(outcome.task.model).inc()
            log.info(
                "task %s created for user %s in chat %s (%s today)",
                outcome.task.id,
                person.id,
                chat_id,
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
        resets_at = next_reset(now, zone)
        if isinstance(outcome, GroupOverQuota):
            log.info("chat %s is over its daily limit (%s used)", chat_id, outcome.used)
            self._metrics.quota_refusals.inc()
            return GroupRefused(QuotaStatus(outcome.used, outcome.limit, resets_at))
        assert isinstance(outcome, OverQuota)
        log.info("user %s is over the daily limit (%s used)", person.id, outcome.used)
        self._metrics.quota_refusals.inc()
        return Refused(QuotaStatus(used=outcome.used, limit=outcome.limit, resets_at=resets_at))

    async def history(self, user_id: int) -> list[Task]:
        return await self._tasks.history.recent(user_id, HISTORY_SIZE)

    async def task_in_chat(self, task_id: int, chat_id: int) -> Task | None:
        """A task asked in this chat (the picture a button sits under), else None."""
        task = await self._tasks.steps.get(task_id)
        return task if task is not None and task.chat_id == chat_id else None

    async def prompt_of(self, user_id: int, task_id: int) -> str | None:
        """The prompt of one of this person's own tasks (for "draw again"), else None."""
        task = await self._tasks.steps.get(task_id)
        return task.prompt if task is not None and task.user_id == user_id else None

    async def cancel(self, user_id: int) -> int:
        """Stop every waiting task of this person, refunded; returns how many."""
        cancelled = await self._tasks.history.cancel_waiting(
            user_id, Failure.CANCELLED.value, self._clock()
        )
        for task in cancelled:
            log.info("task %s cancelled by its user (quota refunded)", task.id)
            await self._delivery.report_failure(task, Failure.CANCELLED)
        return len(cancelled)

    async def group_limit(self, chat_id: int) -> tuple[int | None, int]:
        """The group's own daily limit (None: none) and how many it used today."""
        own = await self._chats.daily_limit(chat_id) if self._chats is not None else None
        limit = own if own is not None else self._settings.group_daily_limit
        used = await self._tasks.intake.used_in_chat(
            chat_id, quota_day(self._clock(), self._settings.zone)
        )
        return (limit or None), used

    async def set_group_limit(self, chat_id: int, limit: int) -> None:
        assert self._chats is not None
        await self._chats.set_daily_limit(chat_id, limit)

    async def learn(self) -> None:
        """Seed the poll scheduler with what finished tasks took, so restarts keep it."""
        await self._scheduler.load(
            [self._settings.default_model], self._tasks.queue.recent_durations
        )

    async def submit(self, task_id: int) -> Task | None:
        """Start the task upstream, once. Returns the task as it stands afterwards."""
        now = self._clock()
        task = await self._tasks.steps.claim_submit(task_id, now)
        if task is None:
            return await self._tasks.steps.get(task_id)  # someone else holds it, or it has ended
        trace = self._gptunnel.send_trace()
        try:
            media = await self._gptunnel.create(task.model, task.prompt, trace=trace)
        except GPTunnelError as exc:
            return await self._create_failed(task, exc)
        except asyncio.CancelledError:
            if trace.never_sent:
                # Cut short (a shutdown) before a byte left: nothing exists upstream, so the
                # next start may simply create it. Otherwise it stays `submitting`, as a crash.
                now = self._clock()
                await self._tasks.steps.release_submit(
                    task.id, next_at=now, attempts=task.attempts, now=now
                )
            raise
        now = self._clock()
        current: Task | None = None
        if media.progress is Progress.DONE and media.url:
            await self._tasks.steps.mark_ready(task.id, media.url, upstream_id=media.id, now=now)
            self._metrics.image_ready(task.model, now - task.created_at)
        elif media.progress is Progress.FAILED:
            await self._tasks.steps.mark_submitted(task.id, media.id, next_at=now, now=now)
            await self._fail(task, Failure.GENERATION_FAILED)
        else:
            wait = self._scheduler.next_poll(task.model, age=0.0, last_gap=None)
            # The usual case hands back the row it wrote: one trip to the database, not two.
            current = await self._tasks.steps.mark_submitted(
                task.id, media.id, next_at=now + wait, now=now
            )
        log.info("task %s submitted upstream as %s (%s)", task.id, media.id, media.status)
        self._wake()
        return current if current is not None else await self._tasks.steps.get(task.id)

    async def _create_failed(self, task: Task, exc: GPTunnelError) -> Task | None:
        attempts = task.attempts + 1
        now = self._clock()
        if exc.kind is ErrorKind.TRANSIENT and attempts < self._max_create_attempts:
            delay = self._backoff(attempts)
            if now + delay < task.deadline:
                log.warning(
                    "task %s: create failed (%s); retry %s in %.1f s", task.id, exc, attempts, delay
                )
                await self._tasks.steps.release_submit(
                    task.id, next_at=now + delay, attempts=attempts, now=now
                )
                self._wake()
                return await self._tasks.steps.get(task.id)
        self._log_upstream(task, "create", exc)
        await self._tell_operator(exc)
        await self._fail(task, _FAILURE_FOR_KIND[exc.kind])
        return await self._tasks.steps.get(task.id)

    async def poll(self, task: Task) -> Task | None:
        """Ask GPTunnel how the task is doing and move it along."""
        assert task.upstream_id is not None
        try:
            media = await self._gptunnel.result(task.upstream_id)
        except GPTunnelError as exc:
            return await self._poll_failed(task, exc)
        now = self._clock()
        progress = media.progress
        if progress is Progress.DONE and media.url:
            ready = await self._tasks.steps.mark_ready(task.id, media.url, now=now)
            self._metrics.image_ready(task.model, now - task.created_at)
            if ready and ready.upstream_done_at is not None and ready.submitted_at is not None:
                self._scheduler.observe(task.model, ready.upstream_done_at - ready.submitted_at)
            log.info("task %s is ready upstream after %.1f s", task.id, now - task.created_at)
        elif progress is Progress.FAILED:
            log.info("task %s: generation %s upstream", task.id, media.status)
            await self._fail(task, Failure.GENERATION_FAILED)
        elif now >= task.deadline:
            await self._fail(task, Failure.TIMEOUT)
        else:
            submitted = task.submitted_at or task.created_at
            last_gap = now - (task.last_poll_at or submitted)
            wait = self._scheduler.next_poll(task.model, age=now - submitted, last_gap=last_gap)
            next_at = min(now + wait, task.deadline)
            await self._tasks.steps.record_poll(
                task.id, next_at=next_at, attempts=0, now=now, upstream_status=media.status
            )
        return await self._tasks.steps.get(task.id)

    async def _poll_failed(self, task: Task, exc: GPTunnelError) -> Task | None:
        now = self._clock()
        if exc.kind is ErrorKind.TRANSIENT:
            attempts = task.attempts + 1
            if now >= task.deadline:
                await self._fail(task, Failure.TIMEOUT)
            elif attempts >= self._max_poll_errors:
                self._log_upstream(task, "result", exc)
                await self._fail(task, Failure.OVERLOADED)
            else:
                log.warning("task %s: poll failed (%s), retry %s", task.id, exc, attempts)
                next_at = min(now + self._backoff(attempts), task.deadline)
                await self._tasks.steps.record_poll(
                    task.id, next_at=next_at, attempts=attempts, now=now
                )
        else:
            self._log_upstream(task, "result", exc)
            await self._tell_operator(exc)
            await self._fail(task, _FAILURE_FOR_KIND[exc.kind])
        return await self._tasks.steps.get(task.id)

    async def _tell_operator(self, exc: GPTunnelError) -> None:
        if self._on_upstream_error is None or exc.kind is not ErrorKind.UNAVAILABLE:
            return
        try:
            await self._on_upstream_error(exc)
        except Exception:
            # An alert that cannot be sent must not keep the user from hearing about it.
            log.exception("could not alert the operator")

    async def progress(self, task: Task) -> tuple[int | None, float | None]:
        """Where a running task stands: its place in GPTunnel's queue while upstream says it
        is waiting (else None), and how long tasks of its model usually take (if known)."""
        position = None
        if (task.upstream_status or "").lower() == "idle":
            position = await self._tasks.queue.queue_position(task)
        return position, self._scheduler.typical(task.model)

    async def fail_overdue(self, task: Task) -> None:
        await self._fail(task, Failure.TIMEOUT)

    async def _fail(self, task: Task, failure: Failure) -> None:
        await self._delivery.fail(task, failure)

    def _backoff(self, attempts: int) -> float:
        base = max(self._settings.poll_interval, 0.05)
        return float(min(base * 2 ** (attempts - 1), self._max_backoff))

    @staticmethod
    def _log_upstream(task: Task, call: str, exc: GPTunnelError) -> None:
        if exc.kind is ErrorKind.UNAVAILABLE:
            # The operator has to act (key, balance, model access): make it stand out.
            log.error("task %s: GPTunnel %s refused: %s", task.id, call, exc)
        else:
            log.warning("task %s: GPTunnel %s failed: %s", task.id, call, exc)


def is_open(task: Task | None) -> bool:
    return task is not None and task.state in (
        TaskState.NEW,
        TaskState.SUBMITTING,
        TaskState.SUBMITTED,
        TaskState.READY,
    )
