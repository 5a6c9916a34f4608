"""What an error from GPTunnel means for a task, for the log, and for the operator."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.drawing.failures import Failure
from bot.gptunnel import ErrorKind, GPTunnelError
from storage import Task

log = logging.getLogger(__name__)

FAILURE_FOR_KIND: dict[ErrorKind, Failure] = {
    ErrorKind.MODERATION: Failure.MODERATION,
    ErrorKind.UNAVAILABLE: Failure.UNAVAILABLE,
    ErrorKind.REJECTED: Failure.REJECTED,
    ErrorKind.NOT_FOUND: Failure.GENERATION_FAILED,
    ErrorKind.FATAL: Failure.GENERATION_FAILED,
    ErrorKind.TRANSIENT: Failure.OVERLOADED,
}

# Told about upstream errors the operator must act on (alerts to admins).
OperatorAlert = Callable[[GPTunnelError], Awaitable[None]]


class UpstreamErrors:
    def __init__(self, alert: OperatorAlert | None = None) -> None:
        self._alert = alert

    async def ended(self, task: Task, call: str, exc: GPTunnelError) -> Failure:
        """An error that ends the task: logged, the operator told if it is theirs to fix;
        returns the reason the person will read."""
        if exc.kind is ErrorKind.UNAVAILABLE:
            # The operator has to act (key, balance, model access): make it stand out.
            log.error("task %s: GPTunnel %s refused: %s", task.id, call, exc)
            await self._tell_operator(exc)
        else:
            log.warning("task %s: GPTunnel %s failed: %s", task.id, call, exc)
        return FAILURE_FOR_KIND[exc.kind]

    async def _tell_operator(self, exc: GPTunnelError) -> None:
        if self._alert is None:
            return
        try:
            await self._alert(exc)
        except Exception:
            # An alert that cannot be sent must not keep the user from hearing about it.
            log.exception("could not alert the operator")
