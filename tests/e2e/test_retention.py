"""The running bot prunes finished tasks past TASK_RETENTION_DAYS and keeps their count for
/stats (issue 10)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from typing import Any

from tests.e2e.conftest import USER, Env

DAY = 86_400.0


async def test_old_finished_tasks_are_pruned_at_start_and_still_counted(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running():  # makes the database
        tg.push_message(USER, USER, "a recent picture")
        await tg.wait_for(lambda s: s.is_photo)
        await env.wait_rows(lambda rows: rows[0]["state"] == "delivered")
    old = time.time() - 40 * DAY
    with closing(sqlite3.connect(env.db_file)) as conn:
        for n, state in enumerate(["delivered", "delivered", "failed"]):
            conn.execute(
                "INSERT INTO tasks (source_key, user_id, chat_id, prompt, model, state, failure, "
                "charged, quota_day, created_at, updated_at, next_at, deadline, finished_at) "
                "VALUES (?, ?, ?, 'old', 'yandex-art', ?, ?, 1, '2020-01-01', ?, ?, ?, ?, ?)",
                (f"old:{n}", USER, USER, state, "timeout" if state == "failed" else None)
                + (old,) * 5,
            )
        conn.commit()
    async with bot_running(task_retention_days=30):
        rows = await env.wait_rows(lambda rows: len(rows) == 1)
    assert rows[0]["prompt"] == "a recent picture"
    totals = env.rows("SELECT state, reason, tasks FROM pruned_tasks ORDER BY state")
    assert [tuple(r) for r in totals] == [("delivered", "", 2), ("failed", "timeout", 1)]
