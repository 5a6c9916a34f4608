"""Numbers a person or a button supplies: ASCII digits only.

`str.isdigit()` also says yes to "²" or "٣", which `int()` then refuses (or reads as another
digit): a reply never came and a traceback did. Everything typed or sent as button data goes
through here.
"""

from __future__ import annotations

# Larger than any id or count the bot uses; SQLite integers are 64-bit.
MAX_DIGITS = 18


def whole_number(text: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """A non-negative whole number written with ASCII digits, else None."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
