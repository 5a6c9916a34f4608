"""Groups: only what is addressed to the bot — /draw (also as a reply) and @bot prompts."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.delivery import Delivery
from bot.generation import GenerationService
from bot.prompts import command_prompt, mention_prompt
from bot.telegram_out import Sender
from handlers.drawing import draw
from handlers.private import DRAW_COMMANDS
from handlers.replies import reply


class MentionsBot(BaseFilter):
    """A message that starts with @<this bot>; passes what follows as `prompt`."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message.text or message.caption
        if not text or not text.lstrip().startswith("@"):
            return False
        me = await bot.me()
        prompt = mention_prompt(text, me.username or "")
        return False if prompt is None else {"prompt": prompt}


async def on_draw(
    message: Message,
    command: CommandObject,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
) -> None:
    replied = message.reply_to_message
    if not (command.args or "").strip() and replied is not None:
        replied_text = replied.text or replied.caption
        if not replied_text or not replied_text.strip():
            await reply(sender, message, texts.REPLY_HAS_NO_TEXT)
            return
        await draw(message, replied_text, sender=sender, generation=generation, delivery=delivery)
        return
    prompt = command_prompt(command.args, None)
    await draw(message, prompt, sender=sender, generation=generation, delivery=delivery)


async def on_mention(
    message: Message,
    prompt: str,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
) -> None:
    await draw(message, prompt, sender=sender, generation=generation, delivery=delivery)


def make_router() -> Router:
    router = Router(name="group")
    router.message.filter(F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
    router.message.register(on_draw, Command(*DRAW_COMMANDS))
    router.message.register(on_mention, MentionsBot())
    # Anything else in a group is chatter between people: no handler, no reply.
    return router
