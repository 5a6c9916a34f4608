"""GPTunnel's error taxonomy: every failure becomes a `GPTunnelError` whose `kind` tells the
caller what to do. Errors arrive as HTTP 200 with a non-zero `code`; proxies may still answer
real HTTP errors."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    TRANSIENT = "transient"  # retry with backoff
    MODERATION = "moderation"  # prompt refused; never retry
    UNAVAILABLE = "unavailable"  # operator's problem: key, balance, model access
    REJECTED = "rejected"  # the request itself was refused
    NOT_FOUND = "not_found"  # task unknown upstream
    FATAL = "fatal"  # bug or configuration error


_CODE_KINDS: dict[int, ErrorKind] = {
    1: ErrorKind.TRANSIENT,
    2: ErrorKind.UNAVAILABLE,
    3: ErrorKind.REJECTED,
    4: ErrorKind.NOT_FOUND,
    5: ErrorKind.UNAVAILABLE,
    6: ErrorKind.TRANSIENT,
    7: ErrorKind.UNAVAILABLE,
    99: ErrorKind.FATAL,
    500: ErrorKind.TRANSIENT,
    1001: ErrorKind.MODERATION,
    1002: ErrorKind.MODERATION,
}


class GPTunnelError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        may_have_reached: bool = False,
        never_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.http_status = http_status
        # A timeout after the request was sent: upstream may have acted on it.
        self.may_have_reached = may_have_reached
        # No connection was made (refused, DNS, no route): GPTunnel is unreachable, and the
        # request provably did nothing there.
        self.never_sent = never_sent

    def __str__(self) -> str:
        where = f"code {self.code}" if self.code is not None else f"HTTP {self.http_status}"
        return f"{self.kind.value} ({where}): {self.args[0]}"


def kind_for_code(code: int) -> ErrorKind:
    return _CODE_KINDS.get(code, ErrorKind.FATAL)


def kind_for_http(status: int) -> ErrorKind:
    if status == 429 or status >= 500:
        return ErrorKind.TRANSIENT
    if status in (401, 402, 403):
        return ErrorKind.UNAVAILABLE
    if status == 404:
        return ErrorKind.NOT_FOUND
    return ErrorKind.REJECTED
