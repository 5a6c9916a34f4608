"""How long to wait before trying a failed call again."""

from __future__ import annotations


def backoff(attempts: int, *, base: float, cap: float = 60.0) -> float:
    """Exponential: `base` after the first failure, doubling, never past `cap`."""
    return float(min(max(base, 0.05) * 2 ** min(attempts - 1, 30), cap))
