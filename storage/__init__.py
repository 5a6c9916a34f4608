"""SQLite storage: the schema, its migrations and the repositories over it."""

from storage.database import Database
from storage.meta import MetaRepository
from storage.tasks import (
    Created,
    Duplicate,
    NewTask,
    OverQuota,
    Task,
    TaskRepository,
    TaskState,
)
from storage.users import UserRepository

__all__ = [
    "Created",
    "Database",
    "Duplicate",
    "MetaRepository",
    "NewTask",
    "OverQuota",
    "Task",
    "TaskRepository",
    "TaskState",
    "UserRepository",
]
