"""What each media model takes at create, and the schema ``issues`` GPTunnel answers when not.

The documented models follow /work/shared/gptunnel-api.md ("Image models and their
parameters"); every other known model id keeps the fake's older, permissive behaviour (any of the
seven aspect ratios, any number of reference images). The issue shape (``path``, ``expected``,
``message``) follows what third-party code reports; the rest of it is a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

BASIC_ASPECT_RATIOS: tuple[str, ...] = ("1:1", "16:9", "9:16", "4:3", "3:4")
WIDE_ASPECT_RATIOS: tuple[str, ...] = (*BASIC_ASPECT_RATIOS, "21:9", "9:21")
ASPECT_RATIOS = frozenset(WIDE_ASPECT_RATIOS)


@dataclass(frozen=True)
class ModelSpec:
    """What one model takes at create: its ``ar`` values and how many reference ``images``."""

    # The accepted ``ar`` values; None: the model takes no ``ar`` at all.
    ar: tuple[str, ...] | None = WIDE_ASPECT_RATIOS
    # How many URLs ``images`` may hold; 0: no ``images`` key at all; None: any number.
    max_images: int | None = None
    # With reference images, ``ar`` is ignored (not even checked): seedream-3.
    images_replace_ar: bool = False


# Models without their own docs page: what the fake always accepted for them.
PERMISSIVE = ModelSpec()

DOCUMENTED_MODELS: dict[str, ModelSpec] = {
    "yandex-art": ModelSpec(ar=None, max_images=0),
    "gpt-image-1-low": ModelSpec(ar=BASIC_ASPECT_RATIOS, max_images=None),
    "gpt-image-1-high": ModelSpec(ar=BASIC_ASPECT_RATIOS, max_images=None),
    "google-imagen-3": ModelSpec(ar=WIDE_ASPECT_RATIOS, max_images=0),
    "flux-dev": ModelSpec(ar=WIDE_ASPECT_RATIOS, max_images=0),
    "seedream-3": ModelSpec(ar=BASIC_ASPECT_RATIOS, max_images=1, images_replace_ar=True),
}

DEFAULT_MODELS = frozenset(
    {
        "yandex-art",
        "gpt-image-1-high",
        "gpt-image-1-medium",
        "gpt-image-1-low",
        "google-imagen-3",
        "flux-dev",
        "flux-kontext-pro",
        "flux-ultra",
        "seedream-3",
        "seedream-4",
        "nano-banana",
        "imagine-3",
        "qwen-image",
        "suno",
        "glabs-veo-3",
        "glabs-veo-3-1-fast",
    }
)


def model_table(
    models: Mapping[str, ModelSpec] | set[str] | frozenset[str] | None,
) -> dict[str, ModelSpec]:
    """A fresh model table: names get their documented spec (else the permissive one)."""
    if models is None:
        models = DEFAULT_MODELS
    if isinstance(models, Mapping):
        return dict(models)
    return {name: DOCUMENTED_MODELS.get(name, PERMISSIVE) for name in sorted(models)}


def create_issues(
    body: JSON | None, models: Mapping[str, ModelSpec], max_prompt_length: Mapping[str, int]
) -> list[JSON]:
    """The schema issues of a create request's body; empty when the request is acceptable."""
    body = body if body is not None else {}
    issues: list[JSON] = []
    model, prompt = body.get("model"), body.get("prompt")
    if not isinstance(model, str) or model not in models:
        expected = list(models)
        issues.append(
            _issue(
                "invalid_enum_value",
                ["model"],
                f"Invalid enum value. Expected {' | '.join(map(repr, expected))}, "
                f"received {model!r}",
                expected=expected,
                received=model,
            )
        )
    if not isinstance(prompt, str):
        issues.append(_issue("invalid_type", ["prompt"], "Required", expected="string"))
    elif not prompt.strip():
        issues.append(_issue("too_small", ["prompt"], "Prompt must not be empty", minimum=1))
    elif isinstance(model, str) and len(prompt) > max_prompt_length.get(model, len(prompt)):
        limit = max_prompt_length[model]
        issues.append(
            _issue(
                "too_big", ["prompt"], f"Prompt must be at most {limit} characters", maximum=limit
            )
        )
    if isinstance(model, str) and model in models:
        issues += _parameter_issues(model, models[model], body)
    return issues


def _parameter_issues(model: str, spec: ModelSpec, body: JSON) -> list[JSON]:
    issues: list[JSON] = []
    images = body.get("images")
    has_images = images is not None
    if has_images:
        if not isinstance(images, list) or not all(isinstance(u, str) for u in images):
            issues.append(
                _issue("invalid_type", ["images"], "Expected array of strings", expected="array")
            )
        elif spec.max_images == 0:
            issues.append(
                _issue("unrecognized_keys", ["images"], f"{model} takes no reference images")
            )
        elif spec.max_images is not None and len(images) > spec.max_images:
            issues.append(
                _issue(
                    "too_big",
                    ["images"],
                    f"{model} takes at most {spec.max_images} reference image(s)",
                    maximum=spec.max_images,
                )
            )
    ar = body.get("ar")
    if ar is None or (spec.images_replace_ar and has_images):
        return issues
    if spec.ar is None:
        issues.append(_issue("unrecognized_keys", ["ar"], f"{model} takes no ar"))
    elif not isinstance(ar, str) or ar not in spec.ar:
        expected = list(spec.ar)
        issues.append(
            _issue(
                "invalid_enum_value",
                ["ar"],
                f"Invalid enum value. Expected {' | '.join(map(repr, expected))}, received {ar!r}",
                expected=expected,
                received=ar,
            )
        )
    return issues


def _issue(code: str, path: list[str | int], message: str, **extra: Any) -> JSON:
    return {"code": code, "path": path, "message": message, **extra}
