"""Credit packs sold for Telegram Stars (STAR_PACKS, `credits:stars,...`), and the invoice
payload that names one. Pure: the settings parse the packs at start."""

from __future__ import annotations

from dataclasses import dataclass

# The most Stars one invoice may ask for (Telegram's limit for XTR).
MAX_STARS = 10_000
# Far beyond any sensible pack; keeps balances plain 64-bit integers.
MAX_CREDITS = 1_000_000
PAYLOAD_PREFIX = "pack"


@dataclass(frozen=True, slots=True)
class StarPack:
    credits: int
    stars: int

    @property
    def payload(self) -> str:
        """What the invoice carries back in the checkout and the payment: the pack itself, so
        a payment is credited by what was sold even if STAR_PACKS changed since."""
        return f"{PAYLOAD_PREFIX}:{self.credits}:{self.stars}"


def parse_packs(value: str) -> tuple[StarPack, ...]:
    """`10:50,50:200` → two packs, in that order; empty → none (no payments at all)."""
    packs: list[StarPack] = []
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        credits, sep, stars = part.partition(":")
        pack = _pack(credits, stars) if sep else None
        if pack is None:
            raise ValueError(
                f"{part!r} is not credits:stars (whole numbers: credits 1-{MAX_CREDITS}, "
                f"stars 1-{MAX_STARS}), e.g. 10:50,50:200"
            )
        if any(p.credits == pack.credits for p in packs):
            raise ValueError(f"two packs of {pack.credits} credits")
        packs.append(pack)
    return tuple(packs)


def pack_of_payload(payload: str | None) -> StarPack | None:
    """The pack an invoice payload names, or None if it names none."""
    prefix, _, rest = (payload or "").partition(":")
    credits, _, stars = rest.partition(":")
    return _pack(credits, stars) if prefix == PAYLOAD_PREFIX else None


def _pack(credits: str, stars: str) -> StarPack | None:
    if not (_digits(credits) and _digits(stars)):
        return None
    pack = StarPack(int(credits), int(stars))
    if not (1 <= pack.credits <= MAX_CREDITS and 1 <= pack.stars <= MAX_STARS):
        return None
    return pack


def _digits(text: str) -> bool:
    return 0 < len(text) <= 7 and text.isascii() and text.isdigit()
