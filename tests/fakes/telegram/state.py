"""The state every concern of the fake shares: who the bot is, the chats, users and messages the
fake knows, the records tests read (``sent``, ``requests``, ``errors``), and waiting for changes.

``TelegramState`` is the base of every mixin that makes up ``FakeTelegram``; each mixin adds its
own state in ``_init_state`` (calling ``super()._init_state()`` first).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections import deque
from collections.abc import Callable

from tests.fakes.telegram.records import JSON, Chat, Sent, StoredMessage


class TelegramState:
    """Identity, shared stores and records, views and waiting (see the module docstring)."""

    def __init__(
        self,
        token: str,
        bot_username: str = "draw_test_bot",
        bot_id: int = 999,
        *,
        enforce_limits: bool = False,
        privacy_mode: bool = True,
        strict_ampersand: bool = False,
        bot_first_name: str = "Draw Test Bot",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.enforce_limits = enforce_limits
        # Privacy mode (Telegram's default for bots): in groups the bot only gets commands,
        # replies to its own messages, and everything if it is an admin there.
        self.privacy_mode = privacy_mode
        self.strict_ampersand = strict_ampersand
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.base_url = ""

        # Records, newest last.
        self.sent: list[Sent] = []
        self.requests: list[tuple[float, str, JSON]] = []
        self.errors: list[tuple[float, str, int, str]] = []  # (time, method, status, text)

        self._chats: dict[int, Chat] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_mid: dict[int, int] = {}
        self._updates: deque[JSON] = deque()  # queued for the bot, oldest first
        self._by_lower: dict[str, str] = {}  # lower-case method name -> canonical name
        self._changed = asyncio.Event()
        self._init_state()

    def _init_state(self) -> None:
        """Hook for the mixins' own state; each override calls super() first."""

    async def _on_stop(self) -> None:
        """Hook for the mixins to release what they hold when the server stops."""

    # ---------------------------------------------------------------- views

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def photos(self, chat_id: int | None = None) -> list[Sent]:
        return [s for s in self.sent if s.method == "sendPhoto" and chat_id in (None, s.chat_id)]

    def calls(self, method: str) -> list[tuple[float, str, JSON]]:
        """Every request of one method (accepted or not)."""
        name = self._by_lower.get(method.lower(), method)
        return [r for r in self.requests if r[1] == name]

    def current_text(self, chat_id: int, message_id: int) -> str | None:
        """Latest text (or caption) of any message as users see it; None if gone/unknown."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            return None
        obj = stored.obj
        value = obj.get("text", obj.get("caption"))
        return value if isinstance(value, str) else None

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The stored Message object (a copy), deleted ones included."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(stored.obj) if stored else None

    def dump(self) -> str:
        lines = [f"  {i}: {s.describe()}" for i, s in enumerate(self.sent)]
        errs = [f"  {m} -> {st} {d}" for _, m, st, d in self.errors[-10:]]
        return (
            "sent:\n"
            + ("\n".join(lines) or "  (nothing)")
            + "\nlast errors:\n"
            + ("\n".join(errs) or "  (none)")
            + f"\nupdates pending: {self.updates_pending()}"
        )

    def updates_pending(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    # ---------------------------------------------------------------- waiting

    async def wait_for(self, predicate: Callable[[Sent], bool], timeout: float = 10) -> Sent:
        """The first sent message matching ``predicate`` (already sent or arriving later)."""
        found: list[Sent] = []

        def check() -> bool:
            for s in self.sent:
                if predicate(s):
                    found.append(s)
                    return True
            return False

        await self._wait(check, timeout, "no sent message matched the predicate")
        return found[0]

    async def wait_until(self, cond: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``cond()`` is true (re-checked on every change and every 50 ms)."""
        await self._wait(cond, timeout, "condition not met")

    async def _wait(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if cond():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{what} within {timeout}s\n{self.dump()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    def _notify(self) -> None:
        # Wake everyone waiting (long polls, wait_for); waiters re-check their condition.
        self._changed.set()
        self._changed = asyncio.Event()

    # ---------------------------------------------------------------- shared helpers

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_mid.get(chat_id, 1)
        self._next_mid[chat_id] = mid + 1
        return mid
