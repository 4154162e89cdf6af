"""Neutral forms (handlers.dialogs) as Slack modals, and a modal's submission back as values.

The modal keeps the command line that opened it in `private_metadata`; its inputs are named by
the form's field keys, so a refusal naming a field comes back as Slack's inline error beside it.
"""

from __future__ import annotations

from typing import Any

from core.errors import UserError
from handlers.dialogs import FormView

FORM_CALLBACK = "cb_form"
VALUE_ACTION = "value"
# Slack's limits for modals: title and button texts, labels, placeholders, inputs, metadata.
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
HINT_LIMIT = 150
INPUT_LIMIT = 3000
METADATA_LIMIT = 3000
ERROR_LIMIT = 2000

View = dict[str, Any]


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = " ".join(text.split()) or "…"
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def modal(form: FormView) -> View:
    blocks = []
    for field in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": VALUE_ACTION,
            "multiline": field.multiline,
            "max_length": min(field.max_length, INPUT_LIMIT),
        }
        if form.values.get(field.key):
            element["initial_value"] = form.values[field.key]
        if field.hint:
            element["placeholder"] = _plain(field.hint, HINT_LIMIT)
        blocks.append(
            {
                "type": "input",
                "block_id": field.key,
                "optional": not field.required,
                "label": _plain(field.label, LABEL_LIMIT),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": form.line[:METADATA_LIMIT],
        "title": _plain(form.title, TITLE_LIMIT),
        "submit": _plain(form.submit, TITLE_LIMIT),
        "close": _plain(form.close, TITLE_LIMIT),
        "blocks": blocks,
    }


def submitted(view: View) -> tuple[str, dict[str, str]]:
    """The command line the modal was opened for, and what each input holds ("" when left empty)."""
    state = (view.get("state") or {}).get("values") or {}
    values = {
        key: str((inputs.get(VALUE_ACTION) or {}).get("value") or "")
        for key, inputs in state.items()
        if isinstance(inputs, dict)
    }
    return str(view.get("private_metadata") or ""), values


def inline_errors(view: View, refusal: UserError) -> dict[str, str]:
    """The refusal beside the field it names, or beside the first field when it names none shown."""
    shown = [str(block.get("block_id")) for block in view.get("blocks") or [] if block.get("type") == "input"]
    where = refusal.field if refusal.field in shown else (shown[0] if shown else "")
    return {where: refusal.reason.strip()[:ERROR_LIMIT] or "…"}
