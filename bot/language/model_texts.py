"""The texts of issue 13's model choice: /model, /ar, and a prompt's `--model` / `--ar`
refused. Keys as in texts.py; `html=False` for a button's answer (plain text, no markup)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.language.catalogues import Gettext
from bot.models.catalogue import ModelInfo
from bot.models.choices import ModelMenu, ModelSet, RatioMenu, RatioRefused, RatioSet, UnknownModel


def _named(models: Sequence[ModelInfo]) -> str:
    """Models as people may type them: "YandexART (yandex-art), …"."""
    return ", ".join(f"{escape(m.title, quote=False)} ({m.id})" for m in models)


def _titles(models: Sequence[ModelInfo]) -> str:
    return ", ".join(escape(m.title, quote=False) for m in models)


def model_menu(_: Gettext, menu: ModelMenu) -> str:
    key = "model-menu-group" if menu.for_group else "model-menu"
    return _(key).format(
        model=escape(menu.current.title, quote=False), credits=menu.current.credits
    )


def model_button(_: Gettext, model: ModelInfo, *, current: bool) -> str:
    key = "model-button-current" if current else "model-button"
    return _(key).format(title=model.title, credits=model.credits)


def model_set(_: Gettext, outcome: ModelSet, *, html: bool = True) -> str:
    key = "model-set-group" if outcome.for_group else "model-set"
    title = escape(outcome.model.title, quote=False) if html else outcome.model.title
    return _(key).format(model=title, credits=outcome.model.credits)


def model_unknown(_: Gettext, outcome: UnknownModel) -> str:
    if not outcome.name:
        return _("model-missing").format(models=_named(outcome.models))
    return _("model-unknown").format(
        name=escape(outcome.name, quote=False), models=_named(outcome.models)
    )


def model_not_admin(_: Gettext) -> str:
    return _("model-not-admin")


def model_gone(_: Gettext, model_id: str) -> str:
    return _("model-gone").format(model=escape(model_id, quote=False))


def ratio_menu(_: Gettext, menu: RatioMenu) -> str:
    title = escape(menu.model.title, quote=False)
    if not menu.model.takes_ratio:
        return _("ratio-none").format(model=title, models=_titles(menu.others))
    return _("ratio-menu").format(model=title, ratio=menu.current or _("ratio-default"))


def ratio_button_default(_: Gettext) -> str:
    return _("ratio-button-default")


def ratio_refused(_: Gettext, outcome: RatioRefused, *, html: bool = True) -> str:
    """A ratio the model does not take: the ones it does (or, for a model that takes none,
    the models that take one)."""

    def shown(text: str) -> str:
        return escape(text, quote=False) if html else text

    model = shown(outcome.model.title)
    if not outcome.model.takes_ratio:
        others = ", ".join(shown(m.title) for m in outcome.others)
        return _("ratio-none").format(model=model, models=others)
    ratios = ", ".join(outcome.model.ratios)
    if not outcome.ratio:
        return _("ratio-missing").format(model=model, ratios=ratios)
    return _("ratio-refused").format(model=model, ratio=shown(outcome.ratio), ratios=ratios)


def ratio_set(_: Gettext, outcome: RatioSet, *, html: bool = True) -> str:
    title = escape(outcome.model.title, quote=False) if html else outcome.model.title
    if outcome.ratio is None:
        return _("ratio-cleared").format(model=title)
    return _("ratio-set").format(ratio=outcome.ratio, model=title)
