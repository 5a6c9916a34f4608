"""What people and groups chose: a person's model (private chats) and aspect ratio (every
chat), a group's model (set by its administrators). Behind /model and /ar; a prompt reads the
same choices inside the intake's transaction (bot.drawing.picks)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.models.catalogue import Catalogue, ModelInfo
from storage import ChoiceRepository, Remembered

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnknownModel:
    """A model was named that the catalogue does not hold; nothing was changed or started."""

    name: str  # as written ("" when no name came at all)
    models: tuple[ModelInfo, ...]  # what may be named instead


@dataclass(frozen=True, slots=True)
class RatioRefused:
    """An aspect ratio the model does not take; nothing was changed or started."""

    model: ModelInfo
    ratio: str  # as written ("" when no ratio came at all)
    others: tuple[ModelInfo, ...]  # the models that take ratios (for one that takes none)


@dataclass(frozen=True, slots=True)
class ModelMenu:
    models: tuple[ModelInfo, ...]
    current: ModelInfo
    for_group: bool  # the group's model (only its administrators change it)


@dataclass(frozen=True, slots=True)
class ModelSet:
    model: ModelInfo
    for_group: bool


@dataclass(frozen=True, slots=True)
class RatioMenu:
    model: ModelInfo  # the model the person's prompts use here
    current: str | None  # their ratio, when this model takes it (None: the model's default)
    others: tuple[ModelInfo, ...]  # the models that take ratios (when this one does not)


@dataclass(frozen=True, slots=True)
class RatioSet:
    model: ModelInfo
    ratio: str | None  # None: back to the model's own default


def current_model(
    catalogue: Catalogue, default_model: str, remembered: Remembered, *, in_group: bool
) -> ModelInfo:
    """The model a prompt uses unless it names one: the group's choice in a group, the
    person's own in a private chat, else DEFAULT_MODEL. A choice the catalogue no longer
    holds (the operator trimmed it) falls back to the default."""
    wanted = remembered.chat_model if in_group else remembered.model
    chosen = catalogue.get(wanted) if wanted else None
    if chosen is not None:
        return chosen
    default = catalogue.get(default_model)
    assert default is not None, "settings check DEFAULT_MODEL against the catalogue"
    return default


class ModelChoices:
    def __init__(
        self,
        *,
        catalogue: Catalogue,
        default_model: str,
        choices: ChoiceRepository,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._catalogue = catalogue
        self._default = default_model
        self._choices = choices
        self._clock = clock

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    async def model_menu(self, person_id: int, group_id: int | None) -> ModelMenu:
        """The models, and the one in use: the group's in a group, else the person's."""
        current = await self._current(person_id, group_id)
        return ModelMenu(self._catalogue.models, current, group_id is not None)

    async def choose_model(
        self, person_id: int, group_id: int | None, name: str
    ) -> ModelSet | UnknownModel:
        """The person's model (group_id None), or the group's (its admins only: the caller
        checks that with Telegram)."""
        model = self._catalogue.find(name)
        if model is None:
            return UnknownModel(name, self._catalogue.models)
        if group_id is None:
            await self._choices.set_model(person_id, model.id, self._clock())
            log.info("user %s chose the model %s", person_id, model.id)
        else:
            await self._choices.set_chat_model(group_id, model.id)
            log.info("chat %s's model is now %s (set by %s)", group_id, model.id, person_id)
        return ModelSet(model, group_id is not None)

    async def ratio_menu(self, person_id: int, group_id: int | None) -> RatioMenu:
        remembered = await self._choices.remembered(person_id, group_id)
        model = self._model_of(remembered, group_id)
        current = remembered.ar if model.takes_ratio and model.accepts(remembered.ar) else None
        return RatioMenu(model, current, self._catalogue.taking_ratios())

    async def choose_ratio(
        self, person_id: int, group_id: int | None, ratio: str | None
    ) -> RatioSet | RatioRefused:
        """The person's aspect ratio, one the model they use here takes; None clears it."""
        model = await self._current(person_id, group_id)
        if ratio is not None and ratio not in model.ratios:
            return RatioRefused(model, ratio, self._catalogue.taking_ratios())
        await self._choices.set_ratio(person_id, ratio, self._clock())
        log.info("user %s chose the aspect ratio %s", person_id, ratio or "(default)")
        return RatioSet(model, ratio)

    async def _current(self, person_id: int, group_id: int | None) -> ModelInfo:
        return self._model_of(await self._choices.remembered(person_id, group_id), group_id)

    def _model_of(self, remembered: Remembered, group_id: int | None) -> ModelInfo:
        return current_model(
            self._catalogue, self._default, remembered, in_group=group_id is not None
        )
