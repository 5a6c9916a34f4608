"""Did a request leave? httpcore reports each step of a request through `trace`."""

from __future__ import annotations

from typing import Any


class SendTrace:
    """Whether a request may have left: only "never sent" is ever claimed, and only when the
    transport reports its steps (httpcore's trace; a stand-in transport proves nothing)."""

    def __init__(self, traceable: bool) -> None:
        self._traceable = traceable
        self._writing = False

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        if "send_request_headers" in event:
            self._writing = True

    @property
    def never_sent(self) -> bool:
        return self._traceable and not self._writing
