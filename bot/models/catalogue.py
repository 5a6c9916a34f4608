"""The model catalogue: what each GPTunnel image model is called, costs and accepts. Pure data
and rules, no I/O: settings build it at start, everyone else reads it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

# GPTunnel writes ratios as "16:9"; two numbers of one or two digits each.
RATIO_RE = re.compile(r"[1-9][0-9]?:[1-9][0-9]?")
# Ids travel in button data (64 bytes in all): keep them short and plain.
MODEL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MAX_TITLE = 40


def normalised(name: str) -> str:
    """A model's name as people may type it: case, spaces and punctuation ignored
    ("FLUX.1 [dev]" and "flux1dev" are one name)."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class CreateOptions:
    """What a create call carries besides the model and the prompt."""

    ar: str | None = None
    images: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str  # GPTunnel's model id, as `/v1/media/create` takes it
    title: str  # what people see on buttons and under pictures
    credits: int  # what one picture costs, in credits
    ratios: tuple[str, ...] = ()  # the `ar` values it accepts; empty: it takes no `ar`
    references: int = 0  # how many reference images (`images`) one request may carry
    # False: with reference images GPTunnel ignores `ar` (seedream-3 edits the given image).
    ratio_with_references: bool = True

    @property
    def takes_ratio(self) -> bool:
        return bool(self.ratios)

    @property
    def takes_references(self) -> bool:
        return self.references > 0

    def accepts(self, ratio: str | None) -> bool:
        """None (the model's own default) always; otherwise one of its ratios."""
        return ratio is None or ratio in self.ratios

    def create_options(self, ratio: str | None, references: Sequence[str] = ()) -> CreateOptions:
        """What to send upstream with a prompt: `ar` only where it is taken (and not ignored
        because of reference images), `images` only where they are taken.

        Raises ValueError for a ratio or a number of references the model does not take: the
        caller checks first and tells the person (see bot.drawing)."""
        if not self.accepts(ratio):
            raise ValueError(f"{self.id} takes no aspect ratio {ratio!r}")
        if len(references) > self.references:
            raise ValueError(f"{self.id} takes at most {self.references} reference image(s)")
        if references and not self.ratio_with_references:
            ratio = None
        return CreateOptions(ar=ratio, images=tuple(references))


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The models offered, in the order /model shows them. Ids are unique, and so is every
    name a person can type for a model (its id or title, normalised): checked when built."""

    models: tuple[ModelInfo, ...]
    _by_name: dict[str, ModelInfo] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("the model catalogue is empty")
        ids: set[str] = set()
        seen: dict[str, str] = {}  # every typeable name → the id it stands for
        for model in self.models:
            _check(model)
            if model.id in ids:
                raise ValueError(f"model id {model.id!r} appears twice")
            ids.add(model.id)
            for name in {normalised(model.id), normalised(model.title)}:
                other = seen.get(name)
                if other is not None and other != model.id:
                    raise ValueError(
                        f"models {other!r} and {model.id!r} have names that read the same"
                    )
                seen[name] = model.id
                self._by_name[name] = model

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def __contains__(self, model_id: object) -> bool:
        return self.get(str(model_id)) is not None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(model.id for model in self.models)

    def get(self, model_id: str) -> ModelInfo | None:
        """The model with exactly this id."""
        return next((model for model in self.models if model.id == model_id), None)

    def find(self, name: str) -> ModelInfo | None:
        """The model a person named: by id or title, ignoring case, spaces and punctuation."""
        return self._by_name.get(normalised(name)) if normalised(name) else None

    def title_of(self, model_id: str) -> str:
        """The title to show for a model id; the id itself once it has left the catalogue."""
        model = self.get(model_id)
        return model.title if model is not None else model_id

    def taking_ratios(self) -> tuple[ModelInfo, ...]:
        return tuple(model for model in self.models if model.takes_ratio)

    def taking_references(self) -> tuple[ModelInfo, ...]:
        """The models that can draw from reference pictures, in catalogue order."""
        return tuple(model for model in self.models if model.takes_references)


def _check(model: ModelInfo) -> None:
    where = f"model {model.id!r}"
    if not MODEL_ID_RE.fullmatch(model.id):
        raise ValueError(f"{where}: an id is 1-40 of A-Z a-z 0-9 . _ - (starting alphanumeric)")
    if not model.title.strip() or len(model.title) > MAX_TITLE:
        raise ValueError(f"{where}: title must be 1-{MAX_TITLE} characters")
    if not normalised(model.title):
        raise ValueError(f"{where}: title needs a letter or a digit")
    if isinstance(model.credits, bool) or not isinstance(model.credits, int) or model.credits < 1:
        raise ValueError(f"{where}: credits must be a whole number of at least 1")
    for ratio in model.ratios:
        if not isinstance(ratio, str) or not RATIO_RE.fullmatch(ratio):
            raise ValueError(f"{where}: {ratio!r} is not an aspect ratio such as 16:9")
    if len(set(model.ratios)) != len(model.ratios):
        raise ValueError(f"{where}: an aspect ratio is listed twice")
    if (
        isinstance(model.references, bool)
        or not isinstance(model.references, int)
        or not 0 <= model.references <= 16
    ):
        raise ValueError(f"{where}: references must be a whole number from 0 to 16")
    if not isinstance(model.ratio_with_references, bool):
        raise ValueError(f"{where}: ratio_with_references must be true or false")
