"""Why a task ended without an image; each reason has its own message for the user."""

from enum import StrEnum


class Failure(StrEnum):
    MODERATION = "moderation"  # GPTunnel codes 1001/1002
    UNAVAILABLE = "unavailable"  # codes 2, 5, 7, HTTP 401/402/403: the operator must act
    OVERLOADED = "overloaded"  # code 6, 1, 500, HTTP 5xx, timeouts, past every retry
    REJECTED = "rejected"  # code 3: the request was refused as invalid
    GENERATION_FAILED = "generation_failed"  # upstream status failed/error/canceled, code 4/99
    TIMEOUT = "timeout"  # TASK_TIMEOUT passed
    DOWNLOAD_FAILED = "download_failed"  # the image could not be fetched or read
    DELIVERY_FAILED = "delivery_failed"  # Telegram would not take the image
    CHAT_UNAVAILABLE = "chat_unavailable"  # 403 or chat not found: nobody to tell
    INTERRUPTED = "interrupted"  # restarts cut its create call short twice; not sent a third time
    CANCELLED = "cancelled"  # the user stopped it with /cancel before it was drawn
    # The picture to draw from could no longer be fetched (its link expired before the start).
    REFERENCE_GONE = "reference_gone"
