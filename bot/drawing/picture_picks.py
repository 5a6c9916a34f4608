"""Which model and ratio a picture is drawn from with: pure rules, run by the intake inside its
transaction on what the person and the group chose before (as bot.drawing.picks)."""

from __future__ import annotations

from bot.drawing.outcomes import NoReferences
from bot.drawing.picks import Pick, pick
from bot.models.catalogue import Catalogue, ModelInfo
from bot.models.choices import RatioRefused, UnknownModel, current_model
from storage import Choice, Chooser, Remembered, Task

PictureChooser = Chooser[UnknownModel | RatioRefused | NoReferences]


def with_picture(catalogue: Catalogue, picked: Pick) -> Choice | NoReferences:
    """A pick that must draw from one picture: refused (with the models that can) when its
    model takes none; its ratio dropped where GPTunnel ignores it beside a picture."""
    model = picked.model
    if not model.takes_references:
        return NoReferences(model, catalogue.taking_references())
    ratio = picked.ar if model.ratio_with_references else None
    return Choice(model.id, ratio, model.credits)


def picture_chooser(
    catalogue: Catalogue,
    default_model: str,
    *,
    in_group: bool,
    model: str | None = None,
    ar: str | None = None,
) -> PictureChooser:
    """A prompt with a picture: its `--model`, else the person's or group's, else the default;
    one that takes no picture is refused before its ratio is even looked at."""

    def choose(remembered: Remembered) -> Choice | UnknownModel | RatioRefused | NoReferences:
        chosen = pick(catalogue, default_model, remembered, in_group=in_group, model=model)
        if isinstance(chosen, Pick) and not chosen.model.takes_references:
            return NoReferences(chosen.model, catalogue.taking_references())
        picked = pick(catalogue, default_model, remembered, in_group=in_group, model=model, ar=ar)
        return picked if not isinstance(picked, Pick) else with_picture(catalogue, picked)

    return choose


def edit_chooser(
    catalogue: Catalogue,
    default_model: str,
    task: Task,
    *,
    in_group: bool,
    model: str | None = None,
    ar: str | None = None,
) -> PictureChooser:
    """An edit of `task`'s picture: the answer's `--model`, else the picture's own model if it
    takes a picture, else the person's (or group's) if that does, else the catalogue's first
    that does. `ar` (normalised; "" when written empty) else the picture's own ratio."""

    def choose(remembered: Remembered) -> Choice | UnknownModel | RatioRefused | NoReferences:
        if model is not None:
            found = catalogue.find(model)
            if found is None:
                return UnknownModel(model, catalogue.models)
            chosen = found
        else:
            own = current_model(catalogue, default_model, remembered, in_group=in_group)
            chosen = _first_taking(catalogue, catalogue.get(task.model), own) or own
        if not chosen.takes_references:
            return NoReferences(chosen, catalogue.taking_references())
        if ar is not None:
            # As in any prompt, a ratio the model lacks is refused.
            if ar not in chosen.ratios:
                return RatioRefused(chosen, ar, catalogue.taking_ratios())
            return with_picture(catalogue, Pick(chosen, ar))
        return with_picture(catalogue, Pick(chosen, task.ar if chosen.accepts(task.ar) else None))

    return choose


def _first_taking(catalogue: Catalogue, *models: ModelInfo | None) -> ModelInfo | None:
    """The first of `models` that takes a picture, else the catalogue's first that does."""
    for candidate in models:
        if candidate is not None and candidate.takes_references:
            return candidate
    offers = catalogue.taking_references()
    return offers[0] if offers else None
