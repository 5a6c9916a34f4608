"""The texts of issue 14, drawing from a picture; keys as in texts.py. `html=False` for a
button's answer (plain text, no markup)."""

from __future__ import annotations

import re
from html import escape

from bot.drawing.outcomes import NoReferences, PictureProblem
from bot.language.catalogues import Gettext

# The bot's question "what should change?" names its picture as `#<task id>` after this mark,
# in every language: the answer is matched to its picture by what the bot itself wrote.
EDIT_MARK = "✏️"
_EDIT_TASK_RE = re.compile(rf"\A{EDIT_MARK}[^#]*#(\d{{1,18}})\b")

PROBLEM_KEYS = {
    PictureProblem.TOO_BIG: "picture-too-big",
    PictureProblem.UNREADABLE: "picture-unreadable",
    PictureProblem.NOT_IMAGE: "picture-not-image",
    PictureProblem.GONE: "picture-gone",
}


def references_off(_: Gettext) -> str:
    return _("references-off")


def picture_refused(_: Gettext, problem: PictureProblem) -> str:
    return _(PROBLEM_KEYS[problem])


def no_references(_: Gettext, outcome: NoReferences) -> str:
    model = escape(outcome.model.title, quote=False)
    if not outcome.offers:
        return _("no-references-none").format(model=model)
    return _("no-references").format(model=model)


def button_edit(_: Gettext) -> str:
    return _("button-edit")


def edit_question(_: Gettext, task_id: int, *, asker: tuple[int, str] | None = None) -> str:
    """Begins with EDIT_MARK and names `#<task id>`: see edit_task. In a group it names who
    pressed Edit (`asker`: id, first name), so that only their client opens a reply."""
    if asker is None:
        text = _("edit-question").format(task=task_id)
    else:
        user_id, name = asker
        person = f'<a href="tg://user?id={user_id}">{escape(name, quote=False)}</a>'
        text = _("edit-question-group").format(task=task_id, person=person)
    assert text.startswith(EDIT_MARK), "the catalogue's edit-question must begin with ✏️"
    return text


def edit_placeholder(_: Gettext) -> str:
    return _("edit-placeholder")


def edit_asked(_: Gettext) -> str:
    return _("edit-asked")


def edit_task(question: str | None) -> int | None:
    """The picture a question of the bot's (edit_question, in any language) is about."""
    found = _EDIT_TASK_RE.match(question or "")
    return int(found.group(1)) if found else None
