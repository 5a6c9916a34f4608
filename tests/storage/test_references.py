"""Pictures kept to draw from (issue 14), on every backend: attached to their task in the
intake's own transaction, served only while the task is open and the link lives, deleted the
moment the task ends (any way it ends), used only by their sender in their chat, purged."""

from __future__ import annotations

from dataclasses import replace

from storage import (
    Created,
    Database,
    NewReference,
    ReferenceImage,
    ReferenceLink,
    ReferenceRepository,
    StoredReference,
    TaskStore,
)
from tests.storage.helpers import T0, new_task

JPEG = b"\xff\xd8\xff-not-really-but-bytes"


def picture(token: str = "t" * 43, *, user_id: int = 1, chat_id: int = 1001) -> NewReference:
    return NewReference(
        token=token,
        user_id=user_id,
        chat_id=chat_id,
        prompt="a fox",
        ar="16:9",
        content_type="image/jpeg",
        data=JPEG,
        created_at=T0,
        expires_at=T0 + 900,
    )


async def with_picture(tasks: TaskStore, references: ReferenceRepository) -> tuple[int, str]:
    """A task written with a kept picture attached: (task id, the picture's token)."""
    kept = await references.keep(picture())
    outcome = await tasks.intake.create(replace(new_task(), reference_id=kept.id))
    assert isinstance(outcome, Created)
    return outcome.task.id, kept.token


async def test_a_picture_is_attached_to_its_task_and_served_while_open(
    db: Database, tasks: TaskStore
) -> None:
    references = ReferenceRepository(db)
    task_id, token = await with_picture(tasks, references)
    assert await references.link(task_id) == ReferenceLink(token, T0 + 900)
    assert await references.image(token, T0 + 1) == ReferenceImage(task_id, "image/jpeg", JPEG)
    # Past its time: the link is dead though the task is still open.
    assert await references.image(token, T0 + 900) is None
    assert await references.image("x" * 43, T0 + 1) is None


async def test_an_unattached_picture_is_never_served(db: Database) -> None:
    references = ReferenceRepository(db)
    kept = await references.keep(picture())
    assert await references.image(kept.token, T0 + 1) is None


async def test_the_picture_goes_when_its_task_ends_either_way(
    db: Database, tasks: TaskStore
) -> None:
    references = ReferenceRepository(db)
    failed, failed_token = await with_picture(tasks, references)
    assert await tasks.steps.mark_failed(failed, "cancelled", T0 + 2) is not None
    kept = await references.keep(picture("u" * 43))
    outcome = await tasks.intake.create(
        replace(new_task(source_key="second"), reference_id=kept.id)
    )
    assert isinstance(outcome, Created)
    done = outcome.task.id
    assert await tasks.steps.claim_submit(done, T0 + 1) is not None
    assert await tasks.steps.mark_submitted(done, "up-1", next_at=T0 + 5, now=T0 + 2)
    assert await tasks.steps.mark_ready(done, "https://files.test/x.webp", now=T0 + 3)
    assert await references.image(kept.token, T0 + 4) is not None
    assert await tasks.steps.mark_delivered(done, T0 + 4)
    for task_id, token in ((failed, failed_token), (done, kept.token)):
        assert await references.link(task_id) is None
        assert await references.image(token, T0 + 5) is None
    row = await db.fetchone("SELECT COUNT(*) FROM reference_images")
    assert row is not None and row[0] == 0


async def test_a_waiting_picture_is_copied_only_for_its_sender_in_its_chat(db: Database) -> None:
    references = ReferenceRepository(db)
    kept = await references.keep(picture())

    async def copy(user_id: int, chat_id: int, now: float, token: str) -> StoredReference | None:
        return await references.copy_waiting(
            kept.id, user_id=user_id, chat_id=chat_id, token=token, now=now, expires_at=now + 900
        )

    assert await copy(2, 1001, T0 + 1, "a" * 43) is None  # someone else
    assert await copy(1, 2002, T0 + 1, "b" * 43) is None  # another chat
    assert await copy(1, 1001, T0 + 900, "c" * 43) is None  # expired
    fresh = await copy(1, 1001, T0 + 1, "d" * 43)
    assert fresh is not None
    assert (fresh.token, fresh.prompt, fresh.ar) == ("d" * 43, "a fox", "16:9")
    assert fresh.id != kept.id


async def test_purge_removes_expired_waiting_pictures_and_orphans(
    db: Database, tasks: TaskStore
) -> None:
    references = ReferenceRepository(db)
    waiting = await references.keep(picture("w" * 43))
    open_task, _ = await with_picture(tasks, references)
    # An attached picture whose task is gone (pruned) is an orphan.
    orphan = await references.keep(picture("o" * 43))
    await db.execute("UPDATE reference_images SET task_id = 999999 WHERE id = ?", (orphan.id,))
    assert await references.purge(T0 + 1) == 1  # the orphan; the waiting one still lives
    assert await references.purge(T0 + 901) == 1  # now the waiting one
    assert await references.link(open_task) is not None  # an open task keeps its picture
    assert (
        await references.copy_waiting(
            waiting.id, user_id=1, chat_id=1001, token="z" * 43, now=T0, expires_at=T0 + 1
        )
        is None
    )


async def test_a_refused_prompt_drops_its_picture(db: Database) -> None:
    references = ReferenceRepository(db)
    kept = await references.keep(picture())
    await references.drop(kept.id)
    row = await db.fetchone("SELECT COUNT(*) FROM reference_images")
    assert row is not None and row[0] == 0
