"""Storage: the repositories, over a database port with an SQLite and a PostgreSQL adapter.

`open_database(DATABASE_URL)` picks the adapter (storage.factory); everything else here works
the same on both (see docs/database.md)."""

from storage.alerts import AlertRepository
from storage.chat_migrations import ChatMigrationRepository
from storage.chats import ChatRepository
from storage.choices import NOTHING_CHOSEN, ChoiceRepository, Remembered
from storage.factory import database_for, open_database
from storage.intake import (
    Banned,
    Choice,
    Chooser,
    Created,
    Duplicate,
    GroupOverQuota,
    Limits,
    OverQuota,
    TaskIntake,
    TooManyActive,
)
from storage.leases import Lease, LeaseRepository
from storage.meta import MetaRepository
from storage.originals import Original, OriginalRef, OriginalRepository
from storage.outbox import OutboxRepository, Parcel
from storage.payments import (
    AlreadyTakenBack,
    PaymentMade,
    PaymentRepository,
    Recorded,
    StarFigures,
    StoredPayment,
    TakenBack,
)
from storage.port import Database, Dialect
from storage.references import (
    NewReference,
    ReferenceImage,
    ReferenceLink,
    ReferenceRepository,
    StoredReference,
)
from storage.stats import Figures, ModelSpend, StatsRepository
from storage.task import NewTask, Task, TaskState
from storage.task_history import TaskHistory
from storage.task_queue import TaskQueue
from storage.task_retention import TaskRetention
from storage.task_steps import TaskSteps
from storage.task_store import TaskStore
from storage.users import UserRepository

__all__ = [
    "NOTHING_CHOSEN",
    "AlertRepository",
    "AlreadyTakenBack",
    "Banned",
    "ChatMigrationRepository",
    "ChatRepository",
    "Choice",
    "ChoiceRepository",
    "Chooser",
    "Created",
    "Database",
    "Dialect",
    "Duplicate",
    "Figures",
    "GroupOverQuota",
    "Lease",
    "LeaseRepository",
    "Limits",
    "MetaRepository",
    "ModelSpend",
    "NewReference",
    "NewTask",
    "Original",
    "OriginalRef",
    "OriginalRepository",
    "OutboxRepository",
    "OverQuota",
    "Parcel",
    "PaymentMade",
    "PaymentRepository",
    "Recorded",
    "ReferenceImage",
    "ReferenceLink",
    "ReferenceRepository",
    "Remembered",
    "StarFigures",
    "StatsRepository",
    "StoredPayment",
    "StoredReference",
    "TakenBack",
    "Task",
    "TaskHistory",
    "TaskIntake",
    "TaskQueue",
    "TaskRetention",
    "TaskState",
    "TaskSteps",
    "TaskStore",
    "TooManyActive",
    "UserRepository",
    "database_for",
    "open_database",
]
