"""Which model and ratio a prompt gets: what it says, else the person's (private) or the
group's (group) choice, else DEFAULT_MODEL; the person's ratio only where the model takes it;
"again" keeps a picture's own model and ratio."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.drawing.picks import ModelGone, Pick, pick, repeat
from bot.models.builtin import BUILTIN
from bot.models.catalogue import Catalogue, ModelInfo
from bot.models.choices import RatioRefused, UnknownModel
from storage import Remembered, Task, TaskState
from tests.storage.helpers import T0

NOTHING = Remembered(None, None, None)


def model(model_id: str) -> ModelInfo:
    found = BUILTIN.get(model_id)
    assert found is not None
    return found


def choose(
    remembered: Remembered = NOTHING, *, in_group: bool = False, **written: str
) -> Pick | UnknownModel | RatioRefused:
    return pick(BUILTIN, "yandex-art", remembered, in_group=in_group, **written)


def test_nothing_chosen_is_the_default_model_and_its_own_ratio() -> None:
    assert choose() == Pick(model("yandex-art"), None)


def test_a_persons_choice_applies_in_private_and_the_groups_in_a_group() -> None:
    mine = Remembered("flux-dev", "21:9", "seedream-3")
    assert choose(mine) == Pick(model("flux-dev"), "21:9")
    # In the group: its model; the person's ratio where that model takes it (seedream-3: no 21:9).
    assert choose(mine, in_group=True) == Pick(model("seedream-3"), None)
    assert choose(replace(mine, ar="16:9"), in_group=True) == Pick(model("seedream-3"), "16:9")
    # A group with no model of its own: the default, not the person's.
    assert choose(replace(mine, chat_model=None), in_group=True) == Pick(model("yandex-art"), None)


def test_a_choice_the_catalogue_no_longer_holds_falls_back_to_the_default() -> None:
    assert choose(Remembered("midjourney", "16:9", None)) == Pick(model("yandex-art"), None)


def test_written_options_win() -> None:
    mine = Remembered("flux-dev", "21:9", None)
    assert choose(mine, model="seedream-3", ar="4:3") == Pick(model("seedream-3"), "4:3")
    assert choose(mine, ar="16x9") == Pick(model("flux-dev"), "16:9")
    assert choose(mine, model="FLUX.1 [dev]") == Pick(model("flux-dev"), "21:9")
    # Naming another model keeps the person's ratio only if that model takes it.
    assert choose(mine, model="gpt-image-1-low") == Pick(model("gpt-image-1-low"), None)


@pytest.mark.parametrize(
    ("written", "model_id"),
    [
        ({"ar": "21:9", "model": "gpt-image-1-high"}, "gpt-image-1-high"),
        ({"ar": "16:9"}, "yandex-art"),  # yandex-art takes no ratio at all
        ({"ar": ""}, "yandex-art"),
        ({"ar": "wide", "model": "flux-dev"}, "flux-dev"),
    ],
)
def test_a_ratio_the_model_does_not_take_is_refused(written: dict[str, str], model_id: str) -> None:
    refused = choose(**written)
    assert isinstance(refused, RatioRefused)
    assert refused.model == model(model_id)
    assert refused.ratio == written["ar"]
    assert refused.others == BUILTIN.taking_ratios()


@pytest.mark.parametrize("name", ["midjourney", ""])
def test_an_unknown_model_is_refused_with_the_list(name: str) -> None:
    assert choose(model=name) == UnknownModel(name, BUILTIN.models)


def task(model_id: str, ar: str | None) -> Task:
    return Task(
        id=1,
        source_key=None,
        user_id=1,
        chat_id=1,
        message_id=1,
        thread_id=None,
        status_message_id=None,
        prompt="a fox",
        model=model_id,
        state=TaskState.DELIVERED,
        upstream_id="u",
        result_url=None,
        failure=None,
        charged=True,
        quota_day="2024-05-01",
        attempts=0,
        polls=0,
        created_at=T0,
        updated_at=T0,
        next_at=T0,
        deadline=T0,
        ready_at=None,
        finished_at=None,
        ar=ar,
    )


def test_again_keeps_the_pictures_model_and_ratio() -> None:
    assert repeat(BUILTIN, task("flux-dev", "21:9")) == Pick(model("flux-dev"), "21:9")
    assert repeat(BUILTIN, task("yandex-art", None)) == Pick(model("yandex-art"), None)
    assert repeat(BUILTIN, task("retired-model", None)) == ModelGone("retired-model")
    # The operator narrowed the model's ratios since: its default instead.
    narrowed = Catalogue((replace(model("flux-dev"), ratios=("1:1",)),))
    assert repeat(narrowed, task("flux-dev", "21:9")) == Pick(narrowed.models[0], None)
