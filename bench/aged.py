"""`python -m bench aged`: intake and delivery lag with a million finished tasks in the table,
beside the same on an empty one (issue 10: the target is within 10 %).

The finished tasks are written straight into the bot's SQLite file before it starts (one
template, copied for each run): delivered or failed, spread over the last 25 days (inside
TASK_RETENTION_DAYS, so none is pruned during the run), about 20 for each of 50,000 people,
among them the people the scenarios prompt as.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

from bench import scenarios
from storage import open_database

DAY = 86_400.0

_FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO tasks (source_key, user_id, chat_id, message_id, prompt, model, state, failure,
                   charged, quota_day, created_at, updated_at, next_at, deadline, ready_at,
                   finished_at, submitted_at, upstream_id, picture_message_id)
SELECT 'aged:' || i, 1 + i % 50000, 1 + i % 50000, i, 'an old prompt number ' || i,
       'yandex-art',
       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'delivered' END,
       CASE WHEN i % 10 = 0 THEN 'timeout' ELSE NULL END,
       CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END,
       date(t, 'unixepoch'), t, t + 30, t + 30, t + 600, t + 25, t + 30, t + 1,
       printf('%024x', i), i + 1
FROM (SELECT i, ? + i * ? AS t FROM n)
"""


async def make_template(path: Path, finished: int) -> float:
    """A migrated database file holding `finished` finished tasks; seconds it took."""
    started = time.monotonic()
    db = await open_database(f"sqlite:///{path}")
    await db.close()
    oldest = time.time() - 25 * DAY
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(_FILL, (finished, oldest, 24 * DAY / max(finished, 1)))
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.monotonic() - started


async def aged(
    finished: int = 1_000_000,
    open_tasks: int = 1000,
    more: int = 500,
    tasks: int = 20,
    rounds: int = 2,
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="drawbot-aged-") as tmp:
        template = Path(tmp) / "aged.sqlite3"
        took = await make_template(template, finished)
        print(
            f"\n{finished:,} finished tasks written in {took:.0f} s "
            f"({template.stat().st_size / 2**20:.0f} MB)"
        )

        async def copy(path: Path) -> None:
            shutil.copyfile(template, path)

        figures: dict[str, dict[str, list[float]]] = {"empty": {}, "aged": {}}
        for _ in range(rounds):
            for label, prepare in (("empty", None), ("aged", copy)):
                into = figures[label]
                taken = await scenarios.intake(open_tasks, more, prepare=prepare)
                lag = await scenarios.latency(tasks, prepare=prepare)
                into.setdefault("intake_per_s", []).append(taken["intake_per_s"])
                into.setdefault("lag_median_s", []).append(lag["median_s"])
                into.setdefault("lag_p95_s", []).append(lag["p95_s"])
    result: dict[str, float] = {}
    print(f"\n== aged: {finished:,} finished tasks vs an empty table (median of {rounds} runs)")
    for name, better in (
        ("intake_per_s", "higher"),
        ("lag_median_s", "lower"),
        ("lag_p95_s", "lower"),
    ):
        empty = statistics.median(figures["empty"][name])
        old = statistics.median(figures["aged"][name])
        ratio = old / empty if empty else float("nan")
        result[f"{name}_empty"], result[f"{name}_aged"], result[f"{name}_ratio"] = empty, old, ratio
        print(
            f"  {name:<16} empty {empty:8.2f}   aged {old:8.2f}   aged/empty {ratio:5.2f}"
            f"   ({better} is better; target within 10 %)"
        )
    return result
