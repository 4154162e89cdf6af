"""Every user-facing message is translated into every language, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, choose_language, placeholders
from core.types import Span, Text, bold

ROOT = Path(__file__).resolve().parent.parent
# How code marks messages: text.t("…"), ctx.tr("…"), N_("…") for constants, fill(lang, "…").
KEYWORDS = {"t": None, "tr": None, "N_": None, "fill": (2,)}


def marked_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("handlers", "scheduler", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != DEFAULT_LANGUAGE])
def test_catalog_translates_every_message_with_its_placeholders(language: str) -> None:
    with (LOCALE_DIR / f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    missing, broken = [], []
    for message in sorted(marked_messages()):
        entry = catalog.get(message)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message)
        elif placeholders(entry.string) != placeholders(message):
            broken.append(message)
    assert missing == [], f"{language}.po misses {len(missing)} messages, e.g. {missing[:5]}"
    assert broken == [], f"{language}.po changes the placeholders of {broken[:5]}"


def test_language_comes_from_the_setting_then_the_app_then_the_default() -> None:
    assert choose_language("ca", "fr") == "ca"
    assert choose_language(None, "pt-BR") == "pt"
    assert choose_language(None, "de") == "en"
    assert choose_language("xx", None, default="es") == "es"


def test_placeholders_may_carry_styled_spans() -> None:
    spans = Text(language="en").t("You're going to {title}.", title=bold("<Visit>")).spans
    assert spans == [Span("You're going to "), Span("<Visit>", "bold"), Span(".")]
