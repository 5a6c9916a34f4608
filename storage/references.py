"""Pictures drawn from (reference images): their bytes, the unguessable token GPTunnel fetches
them by, and how long that link lives.

A row is written unattached (`task_id` NULL) when a person's picture is taken in; the intake
attaches it to the task it creates in the same transaction (storage.intake). An unattached row
is a picture waiting for the person to pick a model that takes it. A task's row is deleted the
moment the task ends (the `reference_images_task_ended` trigger), and `image` serves only the
picture of a task still open: whichever process answers GPTunnel, the link dies with the task.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database
from storage.task import OPEN_SQL


@dataclass(frozen=True, slots=True)
class NewReference:
    token: str  # the link's secret part (secrets.token_urlsafe(32))
    user_id: int  # who sent the picture: the only one who may use it
    chat_id: int  # where: it is used there and nowhere else
    prompt: str  # what to draw from it (options already read)
    ar: str | None  # the ratio the prompt asked for, if any
    content_type: str
    data: bytes
    created_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class StoredReference:
    id: int
    token: str
    prompt: str
    ar: str | None


@dataclass(frozen=True, slots=True)
class ReferenceLink:
    """What a task's create call needs: the link's token, while it lives."""

    token: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    task_id: int
    content_type: str
    data: bytes


class ReferenceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def keep(self, new: NewReference) -> StoredReference:
        row = await self._db.fetchone(
            "INSERT INTO reference_images (token, user_id, chat_id, prompt, ar, content_type, "
            "data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                new.token,
                new.user_id,
                new.chat_id,
                new.prompt,
                new.ar,
                new.content_type,
                new.data,
                new.created_at,
                new.expires_at,
            ),
        )
        assert row is not None
        return StoredReference(int(row[0]), new.token, new.prompt, new.ar)

    async def copy_waiting(
        self,
        ref_id: int,
        *,
        user_id: int,
        chat_id: int,
        token: str,
        now: float,
        expires_at: float,
    ) -> StoredReference | None:
        """A fresh row (its own token) from a waiting picture of this person in this chat, while
        it lives; None for anyone else's, another chat's, or an expired one."""
        row = await self._db.fetchone(
            "INSERT INTO reference_images (token, user_id, chat_id, prompt, ar, content_type, "
            "data, created_at, expires_at) "
            "SELECT ?, user_id, chat_id, prompt, ar, content_type, data, ?, ? "
            "FROM reference_images "
            "WHERE id = ? AND user_id = ? AND chat_id = ? AND task_id IS NULL AND expires_at > ? "
            "RETURNING id, prompt, ar",
            (token, now, expires_at, ref_id, user_id, chat_id, now),
        )
        if row is None:
            return None
        return StoredReference(int(row[0]), token, str(row[1]), row[2])

    async def drop(self, ref_id: int) -> None:
        """A picture taken in for a prompt that was refused: nothing will fetch it."""
        await self._db.execute(
            "DELETE FROM reference_images WHERE id = ? AND task_id IS NULL", (ref_id,)
        )

    async def link(self, task_id: int) -> ReferenceLink | None:
        row = await self._db.fetchone(
            "SELECT token, expires_at FROM reference_images WHERE task_id = ?", (task_id,)
        )
        return None if row is None else ReferenceLink(str(row[0]), float(row[1]))

    async def image(self, token: str, now: float) -> ReferenceImage | None:
        """The picture behind a link, only while it lives and its task is open."""
        row = await self._db.fetchone(
            "SELECT r.task_id, r.content_type, r.data FROM reference_images r "
            "JOIN tasks t ON t.id = r.task_id WHERE r.token = ? AND r.expires_at > ? "
            f"AND t.state IN {OPEN_SQL}",
            (token, now),
        )
        if row is None:
            return None
        return ReferenceImage(int(row[0]), str(row[1]), bytes(row[2]))

    async def purge(self, now: float) -> int:
        """Pictures nobody will fetch any more: waiting ones past their time, and any whose
        task has ended or is gone (the trigger deletes those already; this is the net)."""
        return await self._db.execute(
            "DELETE FROM reference_images WHERE (task_id IS NULL AND expires_at < ?) "
            "OR (task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks t "
            f"WHERE t.id = reference_images.task_id AND t.state IN {OPEN_SQL}))",
            (now,),
        )
