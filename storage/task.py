"""A task: one prompt, its quota charge and its progress; the row type every task query returns.

States: new → submitting → submitted → ready → delivered, or failed from any open state.
`submitting` marks a create call that may have reached GPTunnel. A task found there after a
crash, or whose create's answer was lost, is sent once more (`resubmitted`): it may then run
twice upstream, which is counted; a second such loss ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.port import Row


class TaskState(StrEnum):
    NEW = "new"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    READY = "ready"
    DELIVERED = "delivered"
    FAILED = "failed"


OPEN_STATES = (TaskState.NEW, TaskState.SUBMITTING, TaskState.SUBMITTED, TaskState.READY)
# The states the background loop acts on; `submitting` belongs to whoever claimed it.
DUE_STATES = (TaskState.NEW, TaskState.SUBMITTED, TaskState.READY)


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    source_key: str | None
    user_id: int
    chat_id: int
    message_id: int | None
    thread_id: int | None
    status_message_id: int | None
    prompt: str
    model: str
    state: TaskState
    upstream_id: str | None
    result_url: str | None
    failure: str | None
    charged: bool
    quota_day: str
    attempts: int
    polls: int
    created_at: float
    updated_at: float
    next_at: float
    deadline: float
    ready_at: float | None
    finished_at: float | None
    submitted_at: float | None = None
    last_poll_at: float | None = None
    upstream_done_at: float | None = None
    # The asker's language at intake, for texts sent from the background loop.
    locale: str = "en"
    upstream_status: str | None = None
    # The message the picture went out as; its buttons are honoured under that message only.
    picture_message_id: int | None = None
    ar: str | None = None  # the aspect ratio sent upstream (None: the model's own default)
    credits: int = 1  # what the picture was charged, in credits
    paid_credits: int = 0  # of those, how many were purchased ones (given back on failure)
    upstream_cost: float | None = None  # what GPTunnel said it cost (roubles), when it said
    # Its create was sent a second time after the first may have reached GPTunnel; never a third.
    resubmitted: bool = False

    @classmethod
    def from_row(cls, row: Row) -> Task:
        """From a `SELECT *` or `RETURNING *` row of either backend."""
        data: dict[str, Any] = dict(row)
        data["state"] = TaskState(data["state"])
        data["charged"] = bool(data["charged"])
        data["resubmitted"] = bool(data.get("resubmitted", 0))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class NewTask:
    source_key: str | None
    user_id: int
    chat_id: int
    message_id: int | None
    thread_id: int | None
    prompt: str
    model: str
    quota_day: str
    created_at: float
    deadline: float
    locale: str = "en"
    ar: str | None = None
    credits: int = 1  # the model's price: what the intake charges, today's credits first
    # A picture kept to draw from (storage.references): attached to the task as it is written.
    reference_id: int | None = None


# The open states as an SQL list, for `state IN {OPEN_SQL}`.
OPEN_SQL = "('new', 'submitting', 'submitted', 'ready')"
