"""The catalogue the bot ships with (MODELS unset): GPTunnel's documented image models, with
the parameters its docs give (see /work/shared/gptunnel-api.md, "Image models and their
parameters"). Prices in credits are this bot's own: GPTunnel publishes no per-image prices, so
they only rank the models (yandex-art at 1 keeps the daily allowance what it always was);
operators re-price with MODELS. `models.example.toml` at the repository root is this list
written out as a file to copy (a test keeps the two equal)."""

from __future__ import annotations

from bot.models.catalogue import Catalogue, ModelInfo

BASIC_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4")
# google-imagen-3's pages agree on 21:9; only one of them adds 9:21, so it is left out.
IMAGEN_RATIOS = (*BASIC_RATIOS, "21:9")
WIDE_RATIOS = (*BASIC_RATIOS, "21:9", "9:21")
# GPTunnel documents no maximum for gpt-image-1's context images; a few keep requests small.
GPT_IMAGE_REFERENCES = 4

DEFAULT_MODEL = "yandex-art"

BUILTIN = Catalogue(
    (
        # Takes only `model` and `prompt`: no `ar`, no `images`.
        ModelInfo("yandex-art", "YandexART", credits=1),
        ModelInfo(
            "gpt-image-1-low",
            "GPT Image 1 (low)",
            credits=2,
            ratios=BASIC_RATIOS,
            references=GPT_IMAGE_REFERENCES,
        ),
        ModelInfo(
            "gpt-image-1-high",
            "GPT Image 1 (high)",
            credits=5,
            ratios=BASIC_RATIOS,
            references=GPT_IMAGE_REFERENCES,
        ),
        ModelInfo("google-imagen-3", "Imagen 3", credits=3, ratios=IMAGEN_RATIOS),
        # `images` "works only for flux kontext models".
        ModelInfo("flux-dev", "FLUX.1 [dev]", credits=2, ratios=WIDE_RATIOS),
        # One image, for editing; `ar` is then ignored.
        ModelInfo(
            "seedream-3",
            "Seedream 3",
            credits=3,
            ratios=BASIC_RATIOS,
            references=1,
            ratio_with_references=False,
        ),
    )
)
