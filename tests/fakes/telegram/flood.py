"""Telegram's flood control for the bot's sends and edits (``enforce_limits=True``): about 30
messages a second overall, bursts then one a second per private chat, 20 a minute per group;
over a limit the call answers 429 with ``retry_after``.
"""

from __future__ import annotations

import math
import time
from collections import deque

from tests.fakes.telegram.protocol import ApiError
from tests.fakes.telegram.records import Chat
from tests.fakes.telegram.state import TelegramState


class FloodMixin(TelegramState):
    """Flood limits (off unless ``enforce_limits``); tests may change the figures."""

    # Flood-control figures used with enforce_limits=True.
    global_per_second = 30
    private_burst = 3
    private_per_second = 1.0
    group_per_minute = 20

    def _init_state(self) -> None:
        super()._init_state()
        self._global_sends: deque[float] = deque()
        self._group_sends: dict[int, deque[float]] = {}
        self._private_buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)

    def _flood(self, chat: Chat) -> None:
        """Telegram's flood control for sends/edits; raises 429 when over a limit."""
        if not self.enforce_limits:
            return
        now = time.monotonic()
        waits: list[float] = []
        sends = self._global_sends
        while sends and sends[0] <= now - 1.0:
            sends.popleft()
        if len(sends) >= self.global_per_second:
            waits.append(sends[0] + 1.0 - now)
        if chat.type == "private":
            tokens, at = self._private_buckets.get(chat.id, (float(self.private_burst), now))
            tokens = min(float(self.private_burst), tokens + (now - at) * self.private_per_second)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / self.private_per_second)
        else:
            group = self._group_sends.setdefault(chat.id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                waits.append(group[0] + 60.0 - now)
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        sends.append(now)
        if chat.type == "private":
            self._private_buckets[chat.id] = (tokens - 1.0, now)
        else:
            self._group_sends[chat.id].append(now)
