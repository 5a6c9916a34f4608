"""What GPTunnel says about a media task, and what its status means for us."""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class MediaTask:
    id: str
    status: str
    url: str | None

    @property
    def progress(self) -> Progress:
        # A "done" without a link is of no use yet; keep polling until the link appears.
        progress = progress_of(self.status)
        if progress is Progress.DONE and not self.url:
            return Progress.RUNNING
        return progress
