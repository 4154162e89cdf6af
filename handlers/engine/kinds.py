"""What event and opportunity kinds read as: the stored kind stays English, the label is translated."""

from __future__ import annotations

from core.types import N_, fill

KIND_LABELS = {
    # Events.
    "learning_visit": N_("learning visit"),
    "trade_fair": N_("trade fair"),
    "b2b_session": N_("B2B meeting session"),
    "training": N_("training"),
    "webinar": N_("webinar"),
    "meeting": N_("meeting"),
    # Opportunities.
    "funding_call": N_("funding call"),
    "partner_search": N_("partner search"),
    "tender": N_("tender"),
    "staff_exchange": N_("staff exchange"),
    "offer": N_("offer"),
    "request": N_("request"),
}


def kind_label(kind: str, language: str) -> str:
    return fill(language, KIND_LABELS[kind]) if kind in KIND_LABELS else kind.replace("_", " ")
