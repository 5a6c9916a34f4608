"""The model catalogue: the built-in one against GPTunnel's documented parameters, finding a
model by what people type, what a create call carries, and reading MODELS in each of its forms
(every mistake one line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.models.builtin import BUILTIN, DEFAULT_MODEL
from bot.models.catalogue import Catalogue, CreateOptions, ModelInfo
from bot.models.loading import load_catalogue
from tests.fakes.gptunnel import DOCUMENTED_MODELS

REPO = Path(__file__).resolve().parents[2]


def test_the_builtin_catalogue_is_the_documented_models_with_yandex_art_first() -> None:
    assert BUILTIN.ids == (
        "yandex-art",
        "gpt-image-1-low",
        "gpt-image-1-high",
        "google-imagen-3",
        "flux-dev",
        "seedream-3",
    )
    assert DEFAULT_MODEL == "yandex-art"
    yandex = BUILTIN.get("yandex-art")
    assert yandex is not None
    assert (yandex.credits, yandex.ratios, yandex.references) == (1, (), 0)


@pytest.mark.parametrize("model", BUILTIN.models, ids=lambda m: m.id)
def test_builtin_parameters_are_what_gptunnel_accepts(model: ModelInfo) -> None:
    # The fake GPTunnel holds each model's documented parameters (gptunnel-api.md).
    spec = DOCUMENTED_MODELS[model.id]
    assert set(model.ratios) <= set(spec.ar or ())
    assert model.takes_ratio == (spec.ar is not None)
    if spec.max_images == 0:
        assert model.references == 0
    elif spec.max_images is not None:
        assert model.references == spec.max_images
    else:
        assert model.references > 0  # "a list of URLs", no documented maximum
    assert model.ratio_with_references == (not spec.images_replace_ar)


def test_the_example_file_is_the_builtin_catalogue_in_full() -> None:
    # Loaded with no built-in models to lean on: every field is written out.
    assert load_catalogue(str(REPO / "models.example.toml"), base=None) == BUILTIN


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("flux-dev", "flux-dev"),
        ("FLUX-DEV", "flux-dev"),
        ("FLUX.1 [dev]", "flux-dev"),
        ("flux1dev", "flux-dev"),
        ("yandexart", "yandex-art"),
        ("YandexART", "yandex-art"),
        ("gpt image 1 (high)", "gpt-image-1-high"),
        ("Imagen 3", "google-imagen-3"),
        ("midjourney", None),
        ("", None),
        ("--", None),
    ],
)
def test_a_model_is_found_by_id_or_title(name: str, model_id: str | None) -> None:
    found = BUILTIN.find(name)
    assert (found.id if found else None) == model_id


def test_reference_images_and_ratios_per_model() -> None:
    assert [m.id for m in BUILTIN.taking_references()] == [
        "gpt-image-1-low",
        "gpt-image-1-high",
        "seedream-3",
    ]
    assert "yandex-art" not in [m.id for m in BUILTIN.taking_ratios()]
    assert BUILTIN.title_of("flux-dev") == "FLUX.1 [dev]"
    assert BUILTIN.title_of("gone-model") == "gone-model"


def test_create_options_send_only_what_a_model_takes() -> None:
    yandex, flux, seedream, gpt = (
        BUILTIN.get(i) for i in ("yandex-art", "flux-dev", "seedream-3", "gpt-image-1-low")
    )
    assert yandex and flux and seedream and gpt
    assert yandex.create_options(None) == CreateOptions()
    assert flux.create_options("21:9") == CreateOptions(ar="21:9")
    # seedream-3 edits its one reference image: GPTunnel ignores `ar` then, so it is not sent.
    assert seedream.create_options("16:9", ["https://x/1.png"]) == CreateOptions(
        images=("https://x/1.png",)
    )
    assert seedream.create_options("16:9") == CreateOptions(ar="16:9")
    assert gpt.create_options("4:3", ["a", "b"]) == CreateOptions(ar="4:3", images=("a", "b"))
    with pytest.raises(ValueError, match="aspect ratio"):
        yandex.create_options("16:9")
    with pytest.raises(ValueError, match="aspect ratio"):
        gpt.create_options("21:9")
    with pytest.raises(ValueError, match="at most 1 reference"):
        seedream.create_options(None, ["a", "b"])
    with pytest.raises(ValueError, match="at most 0 reference"):
        flux.create_options(None, ["a"])


# --- MODELS ------------------------------------------------------------------------------


def test_empty_models_is_the_builtin_catalogue() -> None:
    assert load_catalogue("") is BUILTIN
    assert load_catalogue("   ") is BUILTIN


def test_ids_trim_the_builtin_catalogue_in_their_order() -> None:
    catalogue = load_catalogue(" flux-dev , yandex-art ,")
    assert catalogue.ids == ("flux-dev", "yandex-art")
    assert catalogue.get("flux-dev") == BUILTIN.get("flux-dev")


def test_json_reprices_a_builtin_model_and_adds_one() -> None:
    value = json.dumps(
        [
            "yandex-art",
            {"id": "flux-dev", "credits": 7},
            {
                "id": "flux-kontext-pro",
                "title": "FLUX Kontext Pro",
                "credits": 4,
                "ratios": ["1:1", "16:9"],
                "references": 1,
            },
        ]
    )
    catalogue = load_catalogue(value)
    flux, kontext = catalogue.get("flux-dev"), catalogue.get("flux-kontext-pro")
    assert flux is not None and kontext is not None
    assert flux.credits == 7 and flux.ratios == BUILTIN.get("flux-dev").ratios  # type: ignore[union-attr]
    assert (kontext.title, kontext.credits, kontext.ratios, kontext.references) == (
        "FLUX Kontext Pro",
        4,
        ("1:1", "16:9"),
        1,
    )
    assert catalogue.taking_references() == (kontext,)


def test_a_toml_file_and_a_json_file(tmp_path: Path) -> None:
    toml = tmp_path / "models.toml"
    toml.write_text(
        '[[model]]\nid = "yandex-art"\ncredits = 2\n\n'
        '[[model]]\nid = "qwen-image"\ntitle = "Qwen Image"\ncredits = 1\n',
        encoding="utf-8",
    )
    catalogue = load_catalogue(str(toml))
    assert catalogue.ids == ("yandex-art", "qwen-image")
    assert catalogue.get("yandex-art").credits == 2  # type: ignore[union-attr]
    as_json = tmp_path / "models.JSON"
    as_json.write_text(json.dumps({"model": ["seedream-3"]}), encoding="utf-8")
    assert load_catalogue(str(as_json)).ids == ("seedream-3",)
    bare = tmp_path / "bare.json"
    bare.write_text('["flux-dev"]', encoding="utf-8")
    assert load_catalogue(str(bare)).ids == ("flux-dev",)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('[{"id": "flux-dev", "ratio": ["1:1"]}]', "model 'flux-dev': unknown field 'ratio'"),
        ("flux-dev,flux-dev", "model id 'flux-dev' appears twice"),
        ('["flux-dev", {"id": "flux-dev", "credits": 9}]', "appears twice"),
        ("midjourney", "unknown model 'midjourney': built in are yandex-art,"),
        ('[{"id": "new-one", "credits": 1}]', "model 'new-one': not a built-in model, so it"),
        ('[{"id": "flux-dev", "credits": 0}]', "credits must be a whole number of at least 1"),
        ('[{"id": "flux-dev", "credits": "2"}]', "credits must be a whole number"),
        ('[{"id": "flux-dev", "credits": true}]', "credits must be a whole number"),
        ('[{"id": "flux-dev", "ratios": ["wide"]}]', "'wide' is not an aspect ratio"),
        ('[{"id": "flux-dev", "ratios": "16:9"}]', "ratios must be a list"),
        ('[{"id": "flux-dev", "ratios": ["1:1", "1:1"]}]', "listed twice"),
        ('[{"id": "flux-dev", "references": -1}]', "references must be a whole number from 0"),
        ('[{"id": "flux-dev", "title": ""}]', "title must be 1-40 characters"),
        ('["yandex-art", {"id": "flux-dev", "title": "Yandex Art"}]', "read the same"),
        ('[{"id": "a b", "title": "x", "credits": 1}]', "an id is 1-40 of"),
        ('[{"title": "x"}]', "a model without an id"),
        ("[1]", "a model must be an id or a table"),
        ("[]", "the model catalogue is empty"),
        ("[oops", "it is not valid JSON"),
        ('{"models": []}', "unknown key 'models'"),
        ('{"model": 3}', "expected a list of models"),
        ("/nonexistent/models.toml", "cannot read /nonexistent/models.toml: No such file"),
    ],
)
def test_a_bad_catalogue_is_one_clear_line(value: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        load_catalogue(value)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text


def test_bad_toml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[[model]]\nid = "x\n', encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid TOML") as caught:
        load_catalogue(str(path))
    assert "\n" not in str(caught.value)


def test_a_catalogue_refuses_nothing_to_offer() -> None:
    with pytest.raises(ValueError, match="empty"):
        Catalogue(())
