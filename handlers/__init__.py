"""aiogram routers: updates in, calls on the services, replies out. Included in one place."""

from aiogram import Router

from handlers import common, group, private


def build_router() -> Router:
    root = Router(name="root")
    # Commands every chat shares come first; the private router ends with catch-alls.
    root.include_routers(common.router, group.router, private.router)
    return root


__all__ = ["build_router"]
