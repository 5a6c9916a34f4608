"""What the storage tests build tasks with: a prompt, and a task brought to each state."""

from __future__ import annotations

from storage import Created, NewTask, Task, TaskState, TaskStore

DAY = "2024-05-01"
T0 = 1_714_550_400.0  # 2024-05-01 08:00 UTC


def new_task(
    *,
    user_id: int = 1,
    source_key: str | None = None,
    quota_day: str = DAY,
    created_at: float = T0,
    prompt: str = "a red fox",
) -> NewTask:
    return NewTask(
        source_key=source_key,
        user_id=user_id,
        chat_id=1000 + user_id,
        message_id=7,
        thread_id=None,
        prompt=prompt,
        model="yandex-art",
        quota_day=quota_day,
        created_at=created_at,
        deadline=created_at + 600,
    )


async def created(tasks: TaskStore, new: NewTask | None = None, limit: int | None = None) -> Task:
    outcome = await tasks.intake.create(new or new_task(), limit=limit)
    assert isinstance(outcome, Created)
    return outcome.task


async def state_of(tasks: TaskStore, task_id: int) -> TaskState:
    task = await tasks.steps.get(task_id)
    assert task is not None
    return task.state


async def submitted_task(tasks: TaskStore, new: NewTask | None = None) -> Task:
    task = await created(tasks, new)
    assert await tasks.steps.claim_submit(task.id, T0 + 1) is not None
    assert await tasks.steps.mark_submitted(task.id, f"up-{task.id}", next_at=T0 + 5, now=T0 + 2)
    return task


async def ready_task(tasks: TaskStore, new: NewTask | None = None) -> Task:
    task = await submitted_task(tasks, new)
    assert await tasks.steps.mark_ready(task.id, "https://files.test/x.webp", now=T0 + 10)
    return task


async def delivered_task(tasks: TaskStore) -> Task:
    task = await ready_task(tasks)
    assert await tasks.steps.mark_delivered(task.id, T0 + 11)
    return task


async def failed_task(tasks: TaskStore) -> Task:
    task = await submitted_task(tasks)
    assert await tasks.steps.mark_failed(task.id, "generation_failed", T0 + 11) is not None
    return task


async def new_state(tasks: TaskStore) -> Task:
    return await created(tasks)


async def submitting_task(tasks: TaskStore) -> Task:
    task = await created(tasks)
    await tasks.steps.claim_submit(task.id, T0 + 1)
    return task


OPEN_MAKERS = {
    TaskState.NEW: new_state,
    TaskState.SUBMITTING: submitting_task,
    TaskState.SUBMITTED: submitted_task,
    TaskState.READY: ready_task,
}
