"""MODELS, DEFAULT_MODEL and STAR_PACKS as settings: read from the environment, and every
mistake stops `python -m bot` at start with one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.models.builtin import BUILTIN
from bot.payments.packs import StarPack, pack_of_payload, parse_packs
from bot.settings import Settings, describe_error
from tests.unit.test_settings import API_KEY, REPO_ROOT, TOKEN, env, load

__all__ = ["env"]


def refused(name: str) -> str:
    with pytest.raises(ValidationError) as info:
        load()
    line = describe_error(info.value)
    assert line.startswith(f"Invalid setting {name}: "), line
    assert "\n" not in line
    return line


def test_defaults(env: pytest.MonkeyPatch) -> None:
    s = load()
    assert s.models is BUILTIN
    assert s.default_model == "yandex-art"
    assert s.star_packs == ()
    assert not s.payments_on
    assert (s.paysupport_text_en, s.terms_text_ru) == ("", "")


def test_models_and_a_default_from_them(env: pytest.MonkeyPatch) -> None:
    env.setenv("MODELS", "flux-dev,seedream-3")
    env.setenv("DEFAULT_MODEL", "seedream-3")
    s = load()
    assert s.models.ids == ("flux-dev", "seedream-3")
    assert s.default_model == "seedream-3"


def test_a_default_outside_the_catalogue_stops_the_bot(env: pytest.MonkeyPatch) -> None:
    env.setenv("MODELS", "flux-dev,seedream-3")
    line = refused("DEFAULT_MODEL")  # yandex-art, the default, was trimmed away
    assert "'yandex-art' is not in the model catalogue (MODELS): flux-dev, seedream-3" in line
    env.setenv("MODELS", "")
    env.setenv("DEFAULT_MODEL", "midjourney")
    assert "'midjourney' is not in the model catalogue" in refused("DEFAULT_MODEL")


def test_a_bad_catalogue_is_named_before_the_default(env: pytest.MonkeyPatch) -> None:
    env.setenv("MODELS", '[{"id": "flux-dev", "price": 3}]')
    assert "unknown field 'price'" in refused("MODELS")


def test_star_packs(env: pytest.MonkeyPatch) -> None:
    env.setenv("STAR_PACKS", " 10:50, 50:200 ")
    s = load()
    assert s.star_packs == (StarPack(10, 50), StarPack(50, 200))
    assert s.payments_on
    assert s.pack(10, 50) == StarPack(10, 50)
    assert s.pack(10, 49) is None


@pytest.mark.parametrize("value", ["10", "10:0", "0:5", "ten:5", "10:10001", "10:5,10:6", "1:²"])
def test_bad_star_packs_stop_the_bot(env: pytest.MonkeyPatch, value: str) -> None:
    env.setenv("STAR_PACKS", value)
    refused("STAR_PACKS")


@pytest.mark.parametrize(
    ("payload", "pack"),
    [
        ("pack:10:50", StarPack(10, 50)),
        ("pack:10:50:1", None),
        ("pack:10", None),
        ("pack:-1:50", None),
        ("pack:10:99999", None),
        ("other:10:50", None),
        ("", None),
        (None, None),
    ],
)
def test_a_payload_names_a_pack_or_nothing(payload: str | None, pack: StarPack | None) -> None:
    assert pack_of_payload(payload) == pack
    if pack is not None:
        assert pack.payload == payload


def test_packs_parse_in_order() -> None:
    assert parse_packs("") == ()
    assert parse_packs("5:10,1:3") == (StarPack(5, 10), StarPack(1, 3))


def test_support_and_terms_texts_per_language(env: pytest.MonkeyPatch) -> None:
    env.setenv("PAYSUPPORT_TEXT_RU", "Пишите @help")
    env.setenv("TERMS_TEXT_EN", "No refunds after use.")
    s = load()
    assert s.paysupport_text_ru == "Пишите @help"
    assert s.terms_text_en == "No refunds after use."


def test_a_bad_catalogue_file_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "models.toml"
    bad.write_text('[[model]]\nid = "flux-dev"\ncredit = 3\n', encoding="utf-8")
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "BOT_TOKEN": TOKEN,
        "GPTUNNEL_API_KEY": API_KEY,
        "GPTUNNEL_BASE_URL": "http://127.0.0.1:9",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
        "MODELS": str(bad),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "Invalid setting MODELS: model 'flux-dev': unknown field 'credit' "
        "(fields: id, title, credits, ratios, references, ratio_with_references)"
    ]
    assert not (tmp_path / "bot.sqlite3").exists()  # stopped before anything was opened


def test_settings_field_names_hold_the_fixed_ones() -> None:
    names = {name.upper() for name in Settings.model_fields}
    assert {"MODELS", "DEFAULT_MODEL", "STAR_PACKS"} <= names
