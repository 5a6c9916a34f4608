"""The operator's commands (ADMIN_IDS only): /grant, /setlimit, /ban, /unban, /stats,
/refund.

From anyone else these commands match nothing here, so they end where any unknown command
does: the private router's "unknown command" reply, or silence in a group.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.language import payment_texts, texts
from bot.ops.admin import AdminService, UnknownUser
from bot.payments.purchases import Purchases
from bot.telegram.outbox import Replies
from handlers.numbers import whole_number
from handlers.replies import reply

# Far beyond any sensible daily number; keeps it a plain SQLite integer.
MAX_AMOUNT = 1_000_000
# Telegram's charge ids are well under this; anything longer is a typo.
MAX_CHARGE_ID = 256


class IsOperator(BaseFilter):
    async def __call__(self, message: Message, admin: AdminService) -> bool:
        # A chat writing as itself (anonymous admin, channel) is never the operator.
        user = message.from_user
        return message.sender_chat is None and user is not None and admin.is_operator(user.id)


def _target_and_number(args: str | None, *, minimum: int) -> tuple[str, int] | None:
    """(who, n) as written, or None when malformed."""
    parts = (args or "").split()
    number = whole_number(parts[1]) if len(parts) == 2 else None
    if number is None or not minimum <= number <= MAX_AMOUNT:
        return None
    return parts[0], number


async def on_grant(
    message: Message, command: CommandObject, replies: Replies, admin: AdminService, i18n: I18n
) -> None:
    _ = i18n.gettext
    parsed = _target_and_number(command.args, minimum=1)
    if parsed is None:
        await reply(replies, message, texts.admin_usage(_, "grant"), droppable=True)
        return
    outcome = await admin.grant(*parsed)
    if isinstance(outcome, UnknownUser):
        await reply(replies, message, texts.admin_unknown_user(_, outcome.who))
        return
    text = texts.admin_granted(_, outcome.user_id, outcome.extra, outcome.limit)
    await reply(replies, message, text)


async def on_setlimit(
    message: Message, command: CommandObject, replies: Replies, admin: AdminService, i18n: I18n
) -> None:
    _ = i18n.gettext
    parsed = _target_and_number(command.args, minimum=0)
    if parsed is None:
        await reply(replies, message, texts.admin_usage(_, "setlimit"), droppable=True)
        return
    outcome = await admin.set_limit(*parsed)
    if isinstance(outcome, UnknownUser):
        await reply(replies, message, texts.admin_unknown_user(_, outcome.who))
        return
    await reply(replies, message, texts.admin_limit_set(_, outcome.user_id, parsed[1]))


async def _ban(
    message: Message,
    command: CommandObject,
    replies: Replies,
    admin: AdminService,
    i18n: I18n,
    *,
    banned: bool,
) -> None:
    _ = i18n.gettext
    parts = (command.args or "").split()
    if len(parts) != 1:
        await reply(replies, message, texts.admin_usage(_, "ban" if banned else "unban"))
        return
    outcome = await admin.set_banned(parts[0], banned)
    if isinstance(outcome, UnknownUser):
        await reply(replies, message, texts.admin_unknown_user(_, outcome.who))
        return
    user_id = outcome.user_id
    text = texts.admin_banned(_, user_id) if banned else texts.admin_unbanned(_, user_id)
    await reply(replies, message, text)


async def on_ban(
    message: Message, command: CommandObject, replies: Replies, admin: AdminService, i18n: I18n
) -> None:
    await _ban(message, command, replies, admin, i18n, banned=True)


async def on_unban(
    message: Message, command: CommandObject, replies: Replies, admin: AdminService, i18n: I18n
) -> None:
    await _ban(message, command, replies, admin, i18n, banned=False)


async def on_stats(message: Message, replies: Replies, admin: AdminService, i18n: I18n) -> None:
    figures = await admin.stats()
    text = texts.stats(
        i18n.gettext,
        users_today=figures.users_today,
        users_week=figures.users_week,
        images_today=figures.images_today,
        images_total=figures.images_total,
        failures=figures.failures,
        median=figures.median,
        p95=figures.p95,
        open_now=figures.open_now,
        balance=figures.balance,
        spend=[(s.model, s.today, s.total) for s in figures.spend],
        stars=(figures.stars.today, figures.stars.total, figures.stars.refunded),
    )
    await reply(replies, message, text)


async def on_refund(
    message: Message,
    command: CommandObject,
    replies: Replies,
    purchases: Purchases,
    i18n: I18n,
) -> None:
    """/refund <charge id>: the Stars back to the buyer, the credits left taken back."""
    _ = i18n.gettext
    parts = (command.args or "").split()
    if len(parts) != 1 or len(parts[0]) > MAX_CHARGE_ID:
        await reply(replies, message, texts.admin_usage(_, "refund"))
        return
    outcome = await purchases.refund(parts[0])
    await reply(replies, message, payment_texts.refund(_, outcome))


def make_router() -> Router:
    router = Router(name="admin")
    router.message.filter(IsOperator())
    router.message.register(on_grant, Command("grant"))
    router.message.register(on_setlimit, Command("setlimit"))
    router.message.register(on_ban, Command("ban"))
    router.message.register(on_unban, Command("unban"))
    router.message.register(on_stats, Command("stats"))
    router.message.register(on_refund, Command("refund"))
    return router
