"""Updates for the bot: the queue tests push into, getUpdates long polling (offsets,
allowed_updates, one consumer at a time) and the webhook settings (setWebhook, deleteWebhook,
getWebhookInfo; ``take_updates`` hands out what Telegram would POST to the webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
from collections import deque
from typing import Any, ClassVar

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON
from tests.fakes.telegram.state import TelegramState

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED_BY_GET_UPDATES = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
TERMINATED_BY_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
_CLIENT_CHECK = 0.25  # seconds between checks that a long poll's client is still there


class UpdatesMixin(TelegramState):
    """The update queue, getUpdates and the webhook."""

    _API: ClassVar[dict[str, str]] = {
        "getUpdates": "_get_updates",
        "setWebhook": "_set_webhook",
        "deleteWebhook": "_delete_webhook",
        "getWebhookInfo": "_get_webhook_info",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self.webhook: JSON = {}
        self._update_ids = itertools.count(100_001)
        self._confirmed_offset = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0  # bumped to end the waiting long poll with a 409
        self._poll_ended_by = TERMINATED_BY_GET_UPDATES
        self._polls_waiting = 0

    def push_update(self, update: JSON) -> int:
        """Queue a raw update (``update_id`` is assigned when missing); returns its id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def take_updates(self) -> list[JSON]:
        """Remove and return the queued updates: what Telegram would POST to a webhook."""
        taken = list(self._updates)
        self._updates.clear()
        return taken

    def polls_waiting(self) -> int:
        """getUpdates calls waiting for updates right now."""
        return self._polls_waiting

    async def _get_updates(self, p: Params) -> Any:
        if self.webhook.get("url"):
            raise ApiError(409, WEBHOOK_ACTIVE)
        offset = p.int_("offset")
        limit = p.int_("limit") or 100
        limit = min(max(limit, 1), 100)
        timeout = max(0, p.int_("timeout") or 0)
        if p.has("allowed_updates"):
            allowed = p.obj("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(a) for a in allowed]
        if offset is not None:
            self._confirm(offset)
        batch = self._available(limit)
        if batch or timeout == 0 or self._stopping:
            return batch
        # This call becomes the long poll. Like Telegram, it ends the one waiting before it:
        # one consumer of updates per token (two bot instances get 409s).
        self._end_long_poll(TERMINATED_BY_GET_UPDATES)
        generation = self._poll_generation
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._polls_waiting += 1
        try:
            while True:
                event = self._changed
                if p.client_gone:
                    # Its client went away (a killed bot): nobody is left to answer, so no 409
                    # is counted for it either.
                    return []
                if generation != self._poll_generation:
                    raise ApiError(409, self._poll_ended_by)
                batch = self._available(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._stopping:
                    return batch
                with contextlib.suppress(TimeoutError):
                    # Woken by changes; also looks at its connection now and then.
                    await asyncio.wait_for(event.wait(), min(remaining, _CLIENT_CHECK))
        finally:
            self._polls_waiting -= 1

    def _end_long_poll(self, reason: str) -> None:
        """Answer the getUpdates waiting now (if any) with 409 ``reason``."""
        self._poll_generation += 1
        self._poll_ended_by = reason
        self._notify()

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            keep = -offset
            while len(self._updates) > keep:
                self._updates.popleft()
        else:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
            self._confirmed_offset = max(self._confirmed_offset, offset)

    def _available(self, limit: int) -> list[JSON]:
        default_off = {"chat_member", "message_reaction", "message_reaction_count"}
        allowed = set(self._allowed_updates)
        kept: deque[JSON] = deque()
        batch: list[JSON] = []
        for update in self._updates:
            kinds = set(update) - {"update_id"}
            ok = bool(kinds & allowed) if allowed else not kinds <= default_off
            if not ok:
                continue  # Telegram never delivers update types the bot did not ask for
            kept.append(update)
            if len(batch) < limit:
                batch.append(copy.deepcopy(update))
        self._updates = kept
        return batch

    async def _set_webhook(self, p: Params) -> Any:
        url = p.str_("url") or ""
        if url and not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.bool_("drop_pending_updates"):
            self._updates.clear()
        if url:
            self._end_long_poll(TERMINATED_BY_SET_WEBHOOK)
        self.webhook = {
            "url": url,
            "secret_token": p.str_("secret_token"),
            "allowed_updates": p.obj("allowed_updates") if p.has("allowed_updates") else None,
            "max_connections": p.int_("max_connections"),
        }
        return True

    async def _delete_webhook(self, p: Params) -> Any:
        if p.bool_("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {}
        return True

    async def _get_webhook_info(self, p: Params) -> Any:
        info: JSON = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("url"):
            info["max_connections"] = self.webhook.get("max_connections") or 40
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info
