"""Neutral forms (handlers.dialogs) as Slack modals, and a modal's submission back as values.

The modal keeps the command line that opened it in `private_metadata`; its inputs are named by
the form's field keys, so a refusal naming a field comes back as Slack's inline error beside it.
"""

from __future__ import annotations

from typing import Any

from core.errors import UserError
from handlers.dialogs import Field, FormView

FORM_CALLBACK = "cb_form"
VALUE_ACTION = "value"
# Slack's limits for modals: title and button texts, labels, placeholders, inputs, metadata.
TITLE_LIMIT = 24
LABEL_LIMIT = 2000
HINT_LIMIT = 150
INPUT_LIMIT = 3000
METADATA_LIMIT = 3000
ERROR_LIMIT = 2000
OPTIONS_LIMIT = 100
OPTION_LIMIT = 75
VALUE_LIMIT = 150

View = dict[str, Any]


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = " ".join(text.split()) or "…"
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label, OPTION_LIMIT), "value": value[:VALUE_LIMIT]}


def _select(field: Field, now: str) -> dict[str, Any]:
    """A field with a fixed set of answers as a menu: one pick, or several when `multiple`."""
    options = [_option(value, label) for value, label in field.choices[:OPTIONS_LIMIT]]
    element: dict[str, Any] = {"type": "static_select", "action_id": VALUE_ACTION, "options": options}
    held = [value.strip() for value in now.split(",")] if field.multiple else [now.strip()]
    initial = [option for option in options if option["value"] in held]
    if field.multiple:
        element |= {"type": "multi_static_select", "max_selected_items": field.most}
        if initial:
            element["initial_options"] = initial[: field.most]
    elif initial:
        element["initial_option"] = initial[0]
    return element


def _text_input(field: Field, now: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE_ACTION,
        "multiline": field.multiline,
        "max_length": min(field.max_length, INPUT_LIMIT),
    }
    if now:
        element["initial_value"] = now
    return element


def modal(form: FormView) -> View:
    blocks = []
    for field in form.fields:
        now = form.values.get(field.key, "")
        element = _select(field, now) if field.choices else _text_input(field, now)
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


def _held(element: dict[str, Any]) -> str:
    """What an input holds: the text typed, or the value(s) of the option(s) picked, by commas."""
    if "selected_option" in element:
        return str((element["selected_option"] or {}).get("value") or "")
    if "selected_options" in element:
        return ", ".join(str(option.get("value") or "") for option in element["selected_options"] or [])
    return str(element.get("value") or "")


def submitted(view: View) -> tuple[str, dict[str, str]]:
    """The command line the modal was opened for, and what each input holds ("" when left empty)."""
    state = (view.get("state") or {}).get("values") or {}
    values = {
        key: _held(inputs.get(VALUE_ACTION) or {})
        for key, inputs in state.items()
        if isinstance(inputs, dict)
    }
    return str(view.get("private_metadata") or ""), values


def inline_errors(view: View, refusal: UserError) -> dict[str, str]:
    """The refusal beside the field it names, or beside the first field when it names none shown."""
    shown = [str(block.get("block_id")) for block in view.get("blocks") or [] if block.get("type") == "input"]
    where = refusal.field if refusal.field in shown else (shown[0] if shown else "")
    return {where: refusal.reason.strip()[:ERROR_LIMIT] or "…"}
