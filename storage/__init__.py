"""Storage: the schema, its migrations and the repositories over it."""

from storage.alerts import AlertRepository
from storage.chats import ChatRepository
from storage.database import Database
from storage.intake import (
    Banned,
    Created,
    Duplicate,
    GroupOverQuota,
    Limits,
    OverQuota,
    TaskIntake,
    TooManyActive,
)
from storage.meta import MetaRepository
from storage.originals import Original, OriginalRepository
from storage.stats import Figures, StatsRepository
from storage.task import NewTask, Task, TaskState
from storage.task_history import TaskHistory
from storage.task_queue import TaskQueue
from storage.task_steps import TaskSteps
from storage.task_store import TaskStore
from storage.users import UserRepository

__all__ = [
    "AlertRepository",
    "Banned",
    "ChatRepository",
    "Created",
    "Database",
    "Duplicate",
    "Figures",
    "GroupOverQuota",
    "Limits",
    "MetaRepository",
    "NewTask",
    "Original",
    "OriginalRepository",
    "OverQuota",
    "StatsRepository",
    "Task",
    "TaskHistory",
    "TaskIntake",
    "TaskQueue",
    "TaskState",
    "TaskSteps",
    "TaskStore",
    "TooManyActive",
    "UserRepository",
]
