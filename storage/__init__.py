"""SQLite storage: the schema, its migrations and the repositories over it."""

from storage.alerts import AlertRepository
from storage.chats import ChatRepository
from storage.database import Database
from storage.meta import MetaRepository
from storage.originals import Original, OriginalRepository
from storage.stats import Figures, StatsRepository
from storage.tasks import (
    Banned,
    Created,
    Duplicate,
    GroupOverQuota,
    Limits,
    NewTask,
    OverQuota,
    Task,
    TaskRepository,
    TaskState,
    TooManyActive,
)
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
    "TaskRepository",
    "TaskState",
    "TooManyActive",
    "UserRepository",
]
