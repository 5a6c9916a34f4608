"""Drawing from a picture: a photo with a prompt, a picture of the bot's edited, or a waiting
picture drawn with the model the person picked. The one call behind each of those actions.

The picture is fetched once (through `PictureFetcher`, the Bot API), checked, and kept in the
database under an unguessable token (storage.references): GPTunnel fetches it from the bot's
own HTTP server, never from Telegram, whose file links carry the bot token. It is charged like
any prompt (its model's credits) through the same intake, and given back the same way.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.drawing.draw import Starter, under_its_picture
from bot.drawing.intake import Intake
from bot.drawing.options import normalised_ratio, parse_options
from bot.drawing.outcomes import (
    Accepted,
    EditAsked,
    NoReferences,
    PictureOutcome,
    PictureProblem,
    PictureRefused,
    ReferencesOff,
    UnknownTask,
    refusal,
)
from bot.drawing.picks import ModelGone, Pick
from bot.drawing.picture_picks import PictureChooser, edit_chooser, picture_chooser, with_picture
from bot.drawing.pictures import (
    MAX_PICTURE_BYTES,
    PictureFile,
    content_type,
    largest_within,
    reference_url,
)
from bot.drawing.requests import DrawRequest, Place
from bot.models.catalogue import Catalogue
from storage import (
    NewReference,
    OriginalRepository,
    ReferenceRepository,
    StoredReference,
    Task,
    TaskSteps,
)

log = logging.getLogger(__name__)


class PictureFetcher(Protocol):
    """Reads a picture Telegram keeps, never past `max_bytes`; None when it cannot."""

    async def fetch(self, file_id: str, *, max_bytes: int) -> bytes | None: ...


class FromPictures:
    def __init__(
        self,
        *,
        intake: Intake,
        tasks: TaskSteps,
        references: ReferenceRepository,
        originals: OriginalRepository,
        fetcher: PictureFetcher,
        starter: Starter,
        catalogue: Catalogue,
        default_model: str,
        max_prompt_length: int,
        public_url: str | None,
        ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._intake = intake
        self._tasks = tasks
        self._references = references
        self._originals = originals
        self._fetcher = fetcher
        self._starter = starter
        self._catalogue = catalogue
        self._default_model = default_model
        self._max_prompt_length = max_prompt_length
        self._on = public_url is not None
        self._ttl = ttl
        self._clock = clock

    async def draw(self, request: DrawRequest, picture: Sequence[PictureFile]) -> PictureOutcome:
        """A prompt with a picture to draw from (a captioned photo, /draw replying to one)."""
        if not self._on:
            return ReferencesOff()
        options = parse_options(request.prompt)
        refused = refusal(options.prompt, self._max_prompt_length)
        if refused is not None:
            return refused
        assert options.prompt is not None
        chosen = largest_within(picture, MAX_PICTURE_BYTES)
        if chosen is None:
            return PictureRefused(PictureProblem.TOO_BIG)
        data = await self._fetcher.fetch(chosen.file_id, max_bytes=MAX_PICTURE_BYTES)
        if data is None:
            return PictureRefused(PictureProblem.UNREADABLE)
        # The ratio as the catalogue writes it: a waiting picture keeps it for the model picked.
        ratio = normalised_ratio(options.ar) if options.ar else None
        kept = await self._keep(request, options.prompt, ratio or None, data)
        if isinstance(kept, PictureRefused):
            return kept
        choose = picture_chooser(
            self._catalogue,
            self._default_model,
            in_group=request.place.is_group,
            model=options.model,
            ar=options.ar,
        )
        return await self._take(request, kept, choose)

    async def ask_edit(self, request: DrawRequest, task_id: int) -> EditAsked | UnknownTask:
        """The Edit button under a picture: honoured under the picture's own message only, so
        forged button data reveals nothing (see Drawing.again)."""
        if not self._on:
            return UnknownTask()  # no Edit button is shown without a public URL
        task = await self._tasks.get(task_id)
        if task is None or not under_its_picture(task, request.place):
            return UnknownTask()
        return EditAsked(task.id)

    async def edit(self, request: DrawRequest, task_id: int) -> PictureOutcome:
        """The answer to "what should change?": the picture of `task_id` drawn anew from it,
        with its model if that takes a picture, else the person's first model that does.

        `task_id` is read from the bot's own question, asked after a press under the picture;
        the picture must still belong to this chat (a private chat holds only its owner's)."""
        if not self._on:
            return ReferencesOff()
        task = await self._tasks.get(task_id)
        if task is None or not _in_chat(task, request.place):
            return UnknownTask()
        options = parse_options(request.prompt)
        refused = refusal(options.prompt, self._max_prompt_length)
        if refused is not None:
            return refused
        assert options.prompt is not None
        original = await self._originals.get(task.id)
        if original is None:
            return PictureRefused(PictureProblem.GONE)
        wanted = normalised_ratio(options.ar) if options.ar is not None else None
        kept = await self._keep(request, options.prompt, wanted or None, original.data)
        if isinstance(kept, PictureRefused):
            return kept
        choose = edit_chooser(
            self._catalogue,
            self._default_model,
            task,
            in_group=request.place.is_group,
            model=options.model,
            ar=wanted,
        )
        return await self._take(request, kept, choose)

    async def with_model(self, request: DrawRequest, waiting: int, model_id: str) -> PictureOutcome:
        """A button under "this model takes no picture": the waiting picture, with that model.

        Only its sender may use it, in the chat it was sent to, while it lives: forged data
        names nobody else's picture. Each press is charged, as any prompt."""
        if not self._on:
            return ReferencesOff()
        model = self._catalogue.get(model_id)
        if model is None or not model.takes_references:
            return ModelGone(model_id)
        now = self._clock()
        kept = await self._references.copy_waiting(
            waiting,
            user_id=request.person.id,
            chat_id=request.place.chat_id,
            token=_token(),
            now=now,
            expires_at=now + self._ttl,
        )
        if kept is None:
            # Expired, or not this presser's in this chat: the same short answer either way.
            return UnknownTask()
        ratio = kept.ar if model.accepts(kept.ar) else None
        choice = with_picture(self._catalogue, Pick(model, ratio))
        request = DrawRequest(
            request.person, request.place, kept.prompt, request.locale, request.source_key
        )
        return await self._take(request, kept, lambda _remembered: choice)

    async def _keep(
        self, request: DrawRequest, prompt: str, ar: str | None, data: bytes
    ) -> StoredReference | PictureRefused:
        if len(data) > MAX_PICTURE_BYTES:
            return PictureRefused(PictureProblem.TOO_BIG)
        # Pillow reads the whole file: off the event loop.
        kind = await asyncio.to_thread(content_type, data)
        if kind is None:
            return PictureRefused(PictureProblem.NOT_IMAGE)
        now = self._clock()
        return await self._references.keep(
            NewReference(
                token=_token(),
                user_id=request.person.id,
                chat_id=request.place.chat_id,
                prompt=prompt.strip(),
                ar=ar,
                content_type=kind,
                data=data,
                created_at=now,
                expires_at=now + self._ttl,
            )
        )

    async def _take(
        self, request: DrawRequest, kept: StoredReference, choose: PictureChooser
    ) -> PictureOutcome:
        outcome = await self._intake.take(request, kept.prompt, choose, reference=kept.id)
        if isinstance(outcome, Accepted):
            await self._starter.start(outcome.task)
            return outcome
        if isinstance(outcome, NoReferences):
            # The picture waits for a model that takes one (bounded by its expiry).
            return NoReferences(outcome.model, outcome.offers, waiting=kept.id)
        await self._references.drop(kept.id)  # refused: nothing will fetch it
        return outcome


class ReferenceUrls:
    """The links a task's create call carries (bot.pipeline.submission asks before each)."""

    def __init__(
        self,
        references: ReferenceRepository,
        public_url: str | None,
        catalogue: Catalogue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._references = references
        self._public_url = public_url
        self._catalogue = catalogue
        self._clock = clock

    async def __call__(self, task: Task) -> tuple[str, ...] | None:
        """() for a task drawn from no picture; None when its picture can no longer be
        fetched (expired, or PUBLIC_URL gone since): the task must fail, not draw without it."""
        model = self._catalogue.get(task.model)
        if model is not None and not model.takes_references:
            # Intake keeps no picture for such a model: spare every plain prompt a look-up.
            return ()
        link = await self._references.link(task.id)
        if link is None:
            return ()
        if self._public_url is None or link.expires_at <= self._clock():
            return None
        return (reference_url(self._public_url, link.token),)


def _token() -> str:
    # 256 bits: the link is the only thing that guards the picture.
    return secrets.token_urlsafe(32)


def _in_chat(task: Task, place: Place) -> bool:
    return task.chat_id == place.chat_id and task.picture_message_id is not None
