"""Every text the bot sends, by catalogue key (HTML parse mode; user text is always escaped).

The words live in bot/language/locales/<locale>/LC_MESSAGES/messages.po; this module only picks
the key and fills the placeholders. `_` is a Gettext for one locale (see catalogues.py).
Long on purpose: one small function per text the bot sends, so the catalogue test can find
every key the code names here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.drawing.failures import Failure
from bot.drawing.quota import QuotaStatus
from bot.language.catalogues import Gettext

CAPTION_LIMIT = 1024
# Prompts shown in /history are cut to keep the list readable.
HISTORY_PROMPT_LIMIT = 80

# A failure with no key has nobody to tell (the chat is gone).
FAILURE_KEYS: dict[Failure, str | None] = {
    Failure.MODERATION: "failure-moderation",
    Failure.UNAVAILABLE: "failure-unavailable",
    Failure.OVERLOADED: "failure-overloaded",
    Failure.REJECTED: "failure-rejected",
    Failure.GENERATION_FAILED: "failure-generation-failed",
    Failure.TIMEOUT: "failure-timeout",
    Failure.DOWNLOAD_FAILED: "failure-download-failed",
    Failure.DELIVERY_FAILED: "failure-delivery-failed",
    Failure.CHAT_UNAVAILABLE: None,
    Failure.INTERRUPTED: "failure-interrupted",
    Failure.CANCELLED: "failure-cancelled",
    Failure.REFERENCE_GONE: "failure-reference-gone",
}


def working(_: Gettext) -> str:
    return _("working")


def no_text(_: Gettext) -> str:
    return _("no-text")


def reply_has_no_text(_: Gettext) -> str:
    return _("reply-has-no-text")


def unknown_command(_: Gettext) -> str:
    return _("unknown-command")


def status_done(_: Gettext) -> str:
    return _("status-done")


def failure(_: Gettext, reason: Failure) -> str:
    """The explanation for a failed task; empty when there is nobody to tell."""
    key = FAILURE_KEYS[reason]
    return _(key) if key else ""


def picture_link(_: Gettext, url: str) -> str:
    """Under a delivery failure: the picture itself, where Telegram would take no copy."""
    return _("picture-link").format(url=escape(url))


def empty_prompt(_: Gettext, *, private: bool) -> str:
    hint = _("empty-prompt-private") if private else _("empty-prompt-group")
    return _("empty-prompt") + "\n" + hint


def too_long(_: Gettext, length: int, limit: int) -> str:
    return _("too-long").format(length=length, limit=limit)


def _duration(_: Gettext, seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("duration-hours").format(hours=hours, minutes=minutes)
    return _("duration-minutes").format(minutes=max(minutes, 1))


def _reset_phrase(_: Gettext, status: QuotaStatus, now: float) -> str:
    at = status.resets_at.strftime("%H:%M %Z")
    return _("reset-phrase").format(at=at, duration=_duration(_, status.seconds_to_reset(now)))


def over_quota(
    _: Gettext, status: QuotaStatus, now: float, *, needed: int = 1, can_buy: bool = False
) -> str:
    """A picture the person's credits do not cover: what it needs, what they have, and how
    to get more (/buy when credits are sold) or spend less."""
    text = _("over-quota").format(
        needed=needed,
        left=status.left or 0,
        limit=status.limit,
        purchased=status.purchased,
        reset=_reset_phrase(_, status, now),
    )
    return text + "\n" + (_("over-quota-buy") if can_buy else _("over-quota-wait"))


def group_over_quota(_: Gettext, status: QuotaStatus, now: float, *, needed: int = 1) -> str:
    return _("group-over-quota").format(
        used=status.used,
        limit=status.limit,
        needed=needed,
        reset=_reset_phrase(_, status, now),
    )


def too_many_active(_: Gettext, limit: int) -> str:
    return _("too-many-active").format(limit=limit)


def banned(_: Gettext) -> str:
    return _("banned")


def quota(
    _: Gettext, status: QuotaStatus, now: float, prices: Sequence[tuple[str, int]] = ()
) -> str:
    """The day's credits, purchased ones, and what each model costs (title, credits)."""
    if status.limit is None:
        lines = [_("quota-unlimited").format(used=status.used)]
    else:
        lines = [
            _("quota-limited").format(
                used=status.used,
                limit=status.limit,
                left=status.left,
                reset=_reset_phrase(_, status, now),
            )
        ]
    lines.append(_("quota-purchased").format(purchased=status.purchased))
    if prices:
        lines.append(_("quota-prices"))
        lines += [
            _("quota-price-line").format(title=escape(title, quote=False), credits=credits)
            for title, credits in prices
        ]
    return "\n".join(lines)


def help_text(
    _: Gettext,
    bot_username: str,
    status: QuotaStatus,
    now: float,
    *,
    payments: bool = False,
    pictures: bool = False,
) -> str:
    """How to use the bot (/buy only when credits are sold, drawing from pictures only when
    GPTunnel can fetch them), and the person's credits."""
    parts = [_("help").format(username=escape(bot_username)), _("help-models")]
    if pictures:
        parts.append(_("help-pictures"))
    if payments:
        parts.append(_("help-payments"))
    return "\n\n".join([*parts, quota(_, status, now)])


def caption(prompt: str, drawn_by: str | None = None) -> str:
    """The prompt as an HTML caption, and on a line of its own, in italics, the model (and
    ratio) that drew it; the prompt is cut so that the whole stays within Telegram's limit,
    then escaped."""
    if drawn_by is None:
        return escape(_cut(prompt, CAPTION_LIMIT), quote=False)
    # Telegram counts UTF-16 units: a title may hold an emoji.
    room = CAPTION_LIMIT - 1 - len(drawn_by.encode("utf-16-le")) // 2
    return f"{escape(_cut(prompt, room), quote=False)}\n<i>{escape(drawn_by, quote=False)}</i>"


def drawn_by(title: str, ratio: str | None) -> str:
    """Which model drew a picture, and in which aspect ratio when one was asked for."""
    return f"🎨 {title} · {ratio}" if ratio else f"🎨 {title}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- /lang ---------------------------------------------------------------------------------


def language_name(_: Gettext) -> str:
    return _("language-name")


def lang_current(_: Gettext) -> str:
    return _("lang-current").format(language=language_name(_))


def lang_set(_: Gettext) -> str:
    return _("lang-set").format(language=language_name(_))


# --- /history and /cancel -----------------------------------------------------------------


def history_empty(_: Gettext) -> str:
    return _("history-empty")


def history(_: Gettext, entries: list[tuple[str, str]]) -> str:
    """entries: (state, prompt) pairs, newest first."""
    lines = [_("history-header")]
    for number, (state, prompt) in enumerate(entries, start=1):
        lines.append(
            _("history-line").format(
                number=number,
                state=_(f"state-{state}"),
                prompt=escape(_cut(prompt, HISTORY_PROMPT_LIMIT), quote=False),
            )
        )
    return "\n".join(lines)


def redraw_button(_: Gettext, number: int) -> str:
    return _("history-redraw-button").format(number=number)


def redraw_unknown(_: Gettext) -> str:
    return _("redraw-unknown")


def redraw_started(_: Gettext) -> str:
    return _("redraw-started")


def cancelled(_: Gettext, stopped: int, drawing: int = 0) -> str:
    """What /cancel did: the prompts stopped (refunded), and those GPTunnel is already drawing
    (they still come, and stay charged)."""
    if stopped == 0 and drawing == 0:
        return _("cancel-none")
    lines = []
    if stopped:
        lines.append(_("cancel-done").format(count=stopped))
    if drawing:
        lines.append(_("cancel-already-drawing").format(count=drawing))
    return "\n".join(lines)


def slow_down(_: Gettext) -> str:
    return _("slow-down")


def channel_refused(_: Gettext) -> str:
    return _("channel-refused")


# --- groups -------------------------------------------------------------------------------


def group_limit_show(_: Gettext, limit: int | None, used: int) -> str:
    if limit is None:
        return _("grouplimit-show-unlimited").format(used=used)
    return _("grouplimit-show").format(limit=limit, used=used)


def group_limit_set(_: Gettext, limit: int | None) -> str:
    if limit is None:
        return _("grouplimit-set-unlimited")
    return _("grouplimit-set").format(limit=limit)


def group_limit_usage(_: Gettext) -> str:
    return _("grouplimit-usage")


def group_limit_not_admin(_: Gettext) -> str:
    return _("grouplimit-not-admin")


# --- the operator -------------------------------------------------------------------------


def admin_usage(_: Gettext, command: str) -> str:
    return _(f"admin-usage-{command}")


def admin_unknown_user(_: Gettext, who: str) -> str:
    return _("admin-unknown-user").format(who=escape(who))


def admin_granted(_: Gettext, user_id: int, extra: int, limit: int | None) -> str:
    total = "∞" if limit is None else str(limit)
    return _("admin-granted").format(user=user_id, extra=extra, total=total)


def admin_limit_set(_: Gettext, user_id: int, limit: int) -> str:
    return _("admin-limit-set").format(user=user_id, limit=limit)


def admin_banned(_: Gettext, user_id: int) -> str:
    return _("admin-banned").format(user=user_id)


def admin_unbanned(_: Gettext, user_id: int) -> str:
    return _("admin-unbanned").format(user=user_id)


def alert(_: Gettext, kind: str) -> str:
    return _(f"alert-{kind}")


def stats(
    _: Gettext,
    *,
    users_today: int,
    users_week: int,
    images_today: int,
    images_total: int,
    failures: dict[str, int],
    median: float | None,
    p95: float | None,
    open_now: int,
    balance: float | None,
    spend: Sequence[tuple[str, float, float]] = (),
    stars: tuple[int, int, int] = (0, 0, 0),
) -> str:
    """The operator's figures; `spend` is GPTunnel's cost per model (model, today, total),
    `stars` the Stars received (today, total, refunded)."""

    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    failure_lines = (
        ", ".join(f"{escape(reason)}: {count}" for reason, count in sorted(failures.items())) or "—"
    )
    figures = _("stats").format(
        users_today=users_today,
        users_week=users_week,
        images_today=images_today,
        images_total=images_total,
        failures=failure_lines,
        median=seconds(median),
        p95=seconds(p95),
        open_now=open_now,
        balance=_("stats-unavailable") if balance is None else f"{balance:.2f}",
    )
    lines = [
        figures,
        _("stats-spend").format(
            today=f"{sum(s[1] for s in spend):.2f}", total=f"{sum(s[2] for s in spend):.2f}"
        ),
    ]
    lines += [
        _("stats-spend-model").format(
            model=escape(model), today=f"{today:.2f}", total=f"{total:.2f}"
        )
        for model, today, total in spend
    ]
    lines.append(_("stats-stars").format(today=stars[0], total=stars[1], refunded=stars[2]))
    return "\n".join(lines)


# --- the command menu ---------------------------------------------------------------------

PRIVATE_COMMANDS = (
    "draw",
    "model",
    "ar",
    "history",
    "cancel",
    "quota",
    "buy",
    "paysupport",
    "lang",
    "help",
)
GROUP_COMMANDS = ("draw", "model", "ar", "quota", "grouplimit", "lang", "help")
# In a menu only while credits are sold (STAR_PACKS).
PAYMENT_COMMANDS = frozenset({"buy", "paysupport"})


def menu(names: Sequence[str], *, payments: bool) -> tuple[str, ...]:
    return tuple(name for name in names if payments or name not in PAYMENT_COMMANDS)


def command_description(_: Gettext, command: str) -> str:
    return _(f"command-{command}")


# --- under each picture, and progress ----------------------------------------------------


def button_again(_: Gettext) -> str:
    return _("button-again")


def button_original(_: Gettext) -> str:
    return _("button-original")


def again_started(_: Gettext) -> str:
    return _("again-started")


def image_unknown(_: Gettext) -> str:
    return _("image-unknown")


def original_gone(_: Gettext) -> str:
    return _("original-gone")


def original_too_soon(_: Gettext) -> str:
    return _("original-too-soon")


def progress(_: Gettext, *, position: int | None, elapsed: float, estimate: float | None) -> str:
    """The status while a picture is made: its place in the queue, or how long it has run."""
    if position is not None:
        return _("progress-queued").format(position=position)
    if estimate is None:
        return _("progress-drawing-no-estimate").format(elapsed=int(elapsed))
    return _("progress-drawing").format(elapsed=int(elapsed), estimate=max(int(estimate), 1))
