"""Every text the bot sends, in one place (HTML parse mode; user text is always escaped)."""

from __future__ import annotations

from html import escape

from bot.failures import Failure
from bot.quota import QuotaStatus

CAPTION_LIMIT = 1024

WORKING = "🎨 Drawing your picture… This usually takes under a minute."
NO_TEXT = (
    "I can only draw from text. Describe the picture in words, for example: "
    "<i>a red fox in the snow, watercolour</i>."
)
REPLY_HAS_NO_TEXT = "The message you replied to has no text to draw from."
UNKNOWN_COMMAND = "I don't know that command. Send /help to see what I can do."

FAILURES: dict[Failure, str] = {
    Failure.MODERATION: (
        "🚫 The prompt was refused by the content filter. Please rephrase it and try again. "
        "Your quota was not charged."
    ),
    Failure.UNAVAILABLE: (
        "⚠️ The drawing service is temporarily unavailable. The bot's operator has been "
        "notified; please try again later. Your quota was not charged."
    ),
    Failure.OVERLOADED: (
        "⏳ The drawing service is overloaded right now. Please try again in a few minutes. "
        "Your quota was not charged."
    ),
    Failure.REJECTED: (
        "🚫 The drawing service rejected this request. Try a different prompt. "
        "Your quota was not charged."
    ),
    Failure.GENERATION_FAILED: (
        "😞 The picture could not be generated. Please try again. Your quota was not charged."
    ),
    Failure.TIMEOUT: (
        "⌛ Generation took too long and was stopped. Please try again. Your quota was not charged."
    ),
    Failure.DOWNLOAD_FAILED: (
        "😞 The picture was made but could not be fetched. Please try again. "
        "Your quota was not charged."
    ),
    Failure.DELIVERY_FAILED: (
        "😞 The picture was made but Telegram would not accept it. Please try again. "
        "Your quota was not charged."
    ),
    Failure.CHAT_UNAVAILABLE: "",
    Failure.INTERRUPTED: (
        "🔄 The bot restarted while starting your picture, so it was not made. "
        "Please send the prompt again. Your quota was not charged."
    ),
}


def empty_prompt(*, private: bool) -> str:
    lines = ["✏️ Tell me what to draw, for example: <code>/draw a lighthouse at dawn</code>."]
    if private:
        lines.append("In this chat you can also just send the description as a message.")
    else:
        lines.append("You can also reply <code>/draw</code> to a message to draw its text.")
    return "\n".join(lines)


def too_long(length: int, limit: int) -> str:
    return (
        f"📏 The prompt is too long: {length} characters, the limit is {limit}. "
        "Please shorten it and send it again."
    )


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1)} min"


def _reset_phrase(status: QuotaStatus, now: float) -> str:
    at = status.resets_at.strftime("%H:%M %Z")
    return f"at {at} (in {_duration(status.seconds_to_reset(now))})"


def over_quota(status: QuotaStatus, now: float) -> str:
    return (
        f"🧮 You have used all {status.limit} pictures for today. "
        f"The quota resets {_reset_phrase(status, now)}."
    )


def quota(status: QuotaStatus, now: float) -> str:
    if status.limit is None:
        return f"♾️ You have no daily limit. Pictures today: {status.used}."
    return (
        f"🧮 Pictures today: {status.used} of {status.limit}, {status.left} left.\n"
        f"The quota resets {_reset_phrase(status, now)}."
    )


def help_text(bot_username: str, status: QuotaStatus, now: float) -> str:
    mention = f"@{escape(bot_username)}"
    return (
        "👋 I draw pictures from text descriptions.\n\n"
        "<b>In a private chat</b> just send me a description, or use "
        "<code>/draw your prompt</code> (also <code>/imagine</code> and <code>/art</code>).\n\n"
        "<b>In a group</b> add me to the group, then:\n"
        "• <code>/draw your prompt</code> or "
        f"<code>/draw@{escape(bot_username)} your prompt</code>\n"
        "• reply <code>/draw</code> to any message to draw its text\n"
        f"• start a message with {mention} followed by the prompt\n"
        "With Telegram's privacy mode on, I only see commands and replies to my messages, "
        "so ordinary chatter stays private.\n\n"
        "/quota shows how many pictures you have left today.\n\n" + quota(status, now)
    )


def caption(prompt: str) -> str:
    """The prompt as an HTML caption: cut to Telegram's limit first, then escaped."""
    text = prompt if len(prompt) <= CAPTION_LIMIT else prompt[: CAPTION_LIMIT - 1] + "…"
    return escape(text, quote=False)
