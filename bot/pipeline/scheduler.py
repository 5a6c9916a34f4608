"""When to poll a task next, learned from how long tasks of its model have been taking.

No polls while a task is surely not ready; polls a steady gap apart across the span in which
tasks of that model usually finish; longer and longer gaps once the task is late.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

SAMPLE_SIZE = 200
MIN_SAMPLES = 5
POLLS_IN_WINDOW = 6  # spread over the usual span: ~gap/2 from "done" to noticing it
LATE_GROWTH = 1.5
MAX_GAP = 30.0
FALLBACK_GROWTH = 1.25


@dataclass(frozen=True, slots=True)
class Window:
    """The span, in seconds after submission, in which tasks of one model usually finish."""

    early: float
    late: float


def quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        raise ValueError("no values")
    pos = (len(sorted_values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


class PollScheduler:
    def __init__(self, *, min_gap: float, max_gap: float = MAX_GAP) -> None:
        self._min_gap = min_gap
        self._max_gap = max(max_gap, min_gap)
        self._samples: dict[str, deque[float]] = {}
        self._windows: dict[str, Window | None] = {}

    async def load(
        self, models: Iterable[str], fetch: Callable[[str, int], Awaitable[list[float]]]
    ) -> None:
        """Seed from storage (newest first), so a restart keeps what was learned."""
        for model in models:
            durations = await fetch(model, SAMPLE_SIZE)
            self._samples[model] = deque(reversed(durations), maxlen=SAMPLE_SIZE)
            self._windows.pop(model, None)

    def observe(self, model: str, duration: float) -> None:
        samples = self._samples.setdefault(model, deque(maxlen=SAMPLE_SIZE))
        samples.append(max(duration, 0.0))
        self._windows.pop(model, None)

    def window(self, model: str) -> Window | None:
        if model not in self._windows:
            samples = self._samples.get(model)
            if not samples or len(samples) < MIN_SAMPLES:
                self._windows[model] = None
            else:
                ordered = sorted(samples)
                self._windows[model] = Window(quantile(ordered, 0.05), quantile(ordered, 0.95))
        return self._windows[model]

    def typical(self, model: str) -> float | None:
        """The median time tasks of this model have taken, once enough have finished."""
        samples = self._samples.get(model)
        if not samples or len(samples) < MIN_SAMPLES:
            return None
        return quantile(sorted(samples), 0.5)

    def next_poll(self, model: str, *, age: float, last_gap: float | None) -> float:
        """Seconds from now until the next poll of a task submitted `age` seconds ago."""
        window = self.window(model)
        if window is None:
            # Nothing learned yet: start at the shortest gap and widen slowly.
            gap = self._min_gap if last_gap is None else last_gap * FALLBACK_GROWTH
            return self._clamp(gap)
        gap = max((window.late - window.early) / POLLS_IN_WINDOW, self._min_gap)
        first = window.early + gap
        if age < first:
            return max(first - age, self._min_gap if last_gap is not None else 0.0)
        if age < window.late + gap / 2:
            return self._clamp(gap)
        # Late: back off, never faster than the in-window gap.
        previous = gap if last_gap is None else max(last_gap, gap)
        return self._clamp(previous * LATE_GROWTH)

    def _clamp(self, gap: float) -> float:
        return min(max(gap, self._min_gap), self._max_gap)
