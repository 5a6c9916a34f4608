"""Which model and aspect ratio a prompt is drawn with: what it says (`--model`, `--ar`), else
what the person or group chose, else the defaults; checked against the catalogue. Pure: the
intake runs it inside its transaction, on the choices it reads with its other facts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.drawing.options import normalised_ratio
from bot.models.catalogue import Catalogue, ModelInfo
from bot.models.choices import RatioRefused, UnknownModel, current_model
from storage import Choice, Chooser, Remembered, Task


@dataclass(frozen=True, slots=True)
class Pick:
    model: ModelInfo
    ar: str | None  # sent upstream only when set (and the model takes it)


@dataclass(frozen=True, slots=True)
class ModelGone:
    """A picture's model left the catalogue: it cannot be drawn again with it."""

    model_id: str


def pick(
    catalogue: Catalogue,
    default_model: str,
    remembered: Remembered,
    *,
    in_group: bool,
    model: str | None = None,
    ar: str | None = None,
) -> Pick | UnknownModel | RatioRefused:
    """`model` and `ar` as written in the prompt (None: not written; "": written empty)."""
    if model is not None:
        chosen = catalogue.find(model)
        if chosen is None:
            return UnknownModel(model, catalogue.models)
    else:
        chosen = current_model(catalogue, default_model, remembered, in_group=in_group)
    if ar is not None:
        ratio = normalised_ratio(ar)
        if not ratio or ratio not in chosen.ratios:
            return RatioRefused(chosen, ar, catalogue.taking_ratios())
        return Pick(chosen, ratio)
    # The person's own ratio goes along where this model takes it; elsewhere, its default.
    return Pick(
        chosen, remembered.ar if chosen.takes_ratio and chosen.accepts(remembered.ar) else None
    )


def chooser(
    catalogue: Catalogue,
    default_model: str,
    *,
    in_group: bool,
    model: str | None = None,
    ar: str | None = None,
) -> Chooser[UnknownModel | RatioRefused]:
    """`pick` for the intake to run on what was chosen before."""

    def choose(remembered: Remembered) -> Choice | UnknownModel | RatioRefused:
        picked = pick(catalogue, default_model, remembered, in_group=in_group, model=model, ar=ar)
        return as_choice(picked) if isinstance(picked, Pick) else picked

    return choose


def as_choice(picked: Pick) -> Choice:
    return Choice(picked.model.id, picked.ar, picked.model.credits)


def repeat(catalogue: Catalogue, task: Task) -> Pick | ModelGone:
    """A picture drawn again: its model and ratio (the ratio only while the model takes it)."""
    model = catalogue.get(task.model)
    if model is None:
        return ModelGone(task.model)
    return Pick(model, task.ar if model.accepts(task.ar) else None)
