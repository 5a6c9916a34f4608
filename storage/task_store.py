"""The task table's repositories, built together over one database."""

from __future__ import annotations

from dataclasses import dataclass

from storage.intake import TaskIntake
from storage.port import Database
from storage.task_history import TaskHistory
from storage.task_queue import TaskQueue
from storage.task_retention import TaskRetention
from storage.task_steps import TaskSteps


@dataclass(frozen=True, slots=True)
class TaskStore:
    """One repository per job: taking prompts in, moving a task along, the background loop's
    queue, a person's own tasks, and pruning the old ones."""

    intake: TaskIntake
    steps: TaskSteps
    queue: TaskQueue
    history: TaskHistory
    retention: TaskRetention

    @classmethod
    def over(cls, db: Database) -> TaskStore:
        return cls(TaskIntake(db), TaskSteps(db), TaskQueue(db), TaskHistory(db), TaskRetention(db))
