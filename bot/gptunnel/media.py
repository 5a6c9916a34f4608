"""What GPTunnel says about a media task, and what its status means for us."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Progress(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


_FAILED_STATUSES = frozenset({"failed", "error", "fail", "canceled", "cancelled"})


def progress_of(status: str | None) -> Progress:
    value = (status or "").strip().lower()
    if value == "done":
        return Progress.DONE
    if value in _FAILED_STATUSES:
        return Progress.FAILED
    return Progress.RUNNING


def cost_of(value: object) -> float | None:
    """GPTunnel's `cost` (roubles): seen as a number or a string ("1.5", "1,5"); anything
    else, or a negative amount, is no cost at all."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        amount = float(value)
    elif isinstance(value, str):
        try:
            amount = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return amount if math.isfinite(amount) and amount >= 0 else None


@dataclass(frozen=True, slots=True)
class MediaTask:
    id: str
    status: str
    url: str | None
    cost: float | None = None  # roubles, when GPTunnel says (on finished tasks)

    @property
    def progress(self) -> Progress:
        # A "done" without a link is of no use yet; keep polling until the link appears.
        progress = progress_of(self.status)
        if progress is Progress.DONE and not self.url:
            return Progress.RUNNING
        return progress
