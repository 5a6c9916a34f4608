"""Who asks for a picture, where, and with which words: what a handler hands the services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Person:
    """Whoever is charged for a prompt: a user, or a chat writing as itself."""

    id: int
    username: str | None = None
    first_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """The message a prompt came in, which the picture will answer."""

    chat_id: int
    message_id: int | None
    thread_id: int | None = None
    is_group: bool = False


@dataclass(frozen=True, slots=True)
class DrawRequest:
    person: Person
    place: Place
    prompt: str | None
    locale: str = "en"
    # What makes a request the same request when Telegram hands it over again; by default the
    # chat and message it came in.
    source_key: str | None = None

    @property
    def key(self) -> str | None:
        if self.source_key is not None:
            return self.source_key
        if self.place.message_id is None:
            return None
        return f"{self.place.chat_id}:{self.place.message_id}"
