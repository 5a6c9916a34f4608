"""aiogram routers: updates in, calls on the services, replies out. Included in one place."""

from aiogram import Router

from handlers import (
    admin,
    common,
    group,
    history,
    image_buttons,
    models,
    payments,
    picture_buttons,
    pictures_group,
    pictures_private,
    private,
)
from handlers.channel_senders import RefuseChannelSenders


def build_router() -> Router:
    root = Router(name="root")
    # Whatever handler a message matches, one written as a channel is refused first.
    root.message.middleware(RefuseChannelSenders())
    # Commands every chat shares come first; the private router ends with catch-alls.
    # Fresh routers each time: an aiogram Router can belong to only one parent.
    # The operator's commands first: for anyone else they fall through to "unknown command".
    root.include_routers(
        admin.make_router(),
        common.make_router(),
        history.make_router(),
        image_buttons.make_router(),
        picture_buttons.make_router(),
        models.make_router(),
        # Before the private router's catch-alls: a payment is a message without text.
        payments.make_router(),
        # Before the chat routers: a photo's caption or /draw on a photo draws from it, and an
        # answer to "what should change?" is not a prompt of its own.
        pictures_group.make_router(),
        pictures_private.make_router(),
        group.make_router(),
        private.make_router(),
    )
    return root


__all__ = ["build_router"]
