"""What PostgreSQL needs done to the shared SQL text: `?` placeholders numbered `$1, $2, …`,
and names turned into advisory lock keys."""

from __future__ import annotations

import hashlib
from functools import lru_cache


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` → `$1`, `$2`, … in order, outside quoted text and comments. Cached: each distinct
    statement is converted once, then asyncpg prepares it once per connection."""
    out: list[str] = []
    n = 0
    i = 0
    length = len(sql)
    while i < length:
        char = sql[i]
        if char in "'\"":
            end = sql.find(char, i + 1)
            # A doubled quote inside is an escaped one: the scan simply goes on past it.
            end = length if end < 0 else end + 1
            out.append(sql[i:end])
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = length if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif char == "?":
            n += 1
            out.append(f"${n}")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name (`user:42`); the same in every process.
    Two names meeting on one key (a 1 in 2^64 chance) never let two transactions through at
    once: they only make them wait for each other."""
    digest = hashlib.blake2b(name.encode(), digest_size=8, person=b"gptunnel-lock").digest()
    return int.from_bytes(digest, "big", signed=True)
