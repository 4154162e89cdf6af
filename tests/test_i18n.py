"""Every user-facing message is translated into every language, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALE_DIR,
    choose_language,
    join_words,
    language_name,
    placeholders,
)
from core.types import Span, Text, bold, fill, fill_n
from handlers.events import going_label, places_label

ROOT = Path(__file__).resolve().parent.parent
# How code marks messages: text.t("…"), ctx.tr("…"), N_("…") for constants, fill(lang, "…"), and
# their plural (ngettext) twins text.tn, ctx.trn, Nn_ and fill_n with a singular and a plural.
KEYWORDS = {
    "t": None,
    "tr": None,
    "N_": None,
    "fill": (2,),
    "tn": (1, 2),
    "trn": (1, 2),
    "Nn_": (1, 2),
    "fill_n": (2, 3),
}


def extracted() -> list[str | tuple[str, str]]:
    found: list[str | tuple[str, str]] = []
    for folder in ("handlers", "scheduler", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.append(message if isinstance(message, str) else (message[0], message[1]))
    return found


def marked_messages() -> set[str]:
    return {message if isinstance(message, str) else message[0] for message in extracted()}


def plural_messages() -> set[tuple[str, str]]:
    return {message for message in extracted() if isinstance(message, tuple)}


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != DEFAULT_LANGUAGE])
def test_catalog_translates_every_message_with_its_placeholders(language: str) -> None:
    with (LOCALE_DIR / f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    missing, broken = [], []
    for message in sorted(marked_messages()):
        entry = catalog.get(message)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message)
        elif isinstance(entry.string, tuple):
            continue  # a plural entry: its forms are checked below
        elif placeholders(entry.string) != placeholders(message):
            broken.append(message)
    assert missing == [], f"{language}.po misses {len(missing)} messages, e.g. {missing[:5]}"
    assert broken == [], f"{language}.po changes the placeholders of {broken[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_messages_have_every_form_of_the_language(language: str) -> None:
    """A `tn`/`trn` message is a plural entry: msgid_plural and one msgstr[i] per plural form."""
    plurals = plural_messages()
    assert plurals, "no message is marked as plural"
    if language == DEFAULT_LANGUAGE:
        return
    with (LOCALE_DIR / f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    wrong = []
    for singular, plural in sorted(plurals):
        entry = catalog.get(singular)
        forms = entry.string if entry is not None else None
        if (
            entry is None
            or not isinstance(entry.id, tuple)
            or entry.id[1] != plural
            or not isinstance(forms, tuple)
            or len(forms) != catalog.num_plurals
            or not all(forms)
            or any(placeholders(form) - {"count"} != placeholders(plural) - {"count"} for form in forms)
        ):
            wrong.append(singular)
    assert wrong == [], f"{language}.po lacks the plural forms of {wrong[:5]}"


@pytest.mark.parametrize(
    ("language", "one", "several"),
    [
        ("en", "1 going of 1 place", "2 going of 3 places"),
        ("fr", "1 participant sur 1 place", "2 participants sur 3 places"),
        ("es", "1 va, de 1 plaza", "2 van, de 3 plazas"),
        ("ca", "1 hi va, de 1 plaça", "2 hi van, de 3 places"),
        ("pt", "1 vai, de 1 lugar", "2 vão, de 3 lugares"),
    ],
)
def test_counts_take_the_plural_form_of_the_language(language: str, one: str, several: str) -> None:
    def shown(going: int, capacity: int) -> str:
        return (
            Text(language=language)
            .t(
                "{going} of {places}",
                going=going_label(going, language),
                places=places_label(capacity, language),
            )
            .reply()
            .plain_text
        )

    assert shown(1, 1) == one
    assert shown(2, 3) == several


def test_french_zero_is_singular_and_english_zero_plural() -> None:
    one, several = "{count} table", "{count} tables"
    assert fill_n("fr", one, several, 0) == "0 table"
    assert fill_n("fr", one, several, 2) == "2 tables"
    assert fill_n("en", one, several, 0) == "0 tables"
    assert fill_n("en", one, several, 1) == "1 table"


@pytest.mark.parametrize(
    ("language", "joined", "named"),
    [
        ("en", "Catalan, French, and Portuguese", "Portuguese"),
        ("ca", "català, francès i portuguès", "portuguès"),
        ("es", "catalán, francés y portugués", "portugués"),
        ("fr", "catalan, français et portugais", "portugais"),
        ("pt", "catalão, francês e português", "português"),
    ],
)
def test_lists_and_language_names_are_written_as_each_language_writes_them(
    language: str, joined: str, named: str
) -> None:
    names = [language_name(code, language) for code in ("ca", "fr", "pt")]
    assert join_words(names, language) == joined
    assert language_name("pt", language) == named


def test_language_comes_from_the_setting_then_the_app_then_the_default() -> None:
    assert choose_language("ca", "fr") == "ca"
    assert choose_language(None, "pt-BR") == "pt"
    assert choose_language(None, "de") == "en"
    assert choose_language("xx", None, default="es") == "es"


def test_placeholders_may_carry_styled_spans() -> None:
    spans = Text(language="en").t("You're going to {title}.", title=bold("<Visit>")).spans
    assert spans == [Span("You're going to "), Span("<Visit>", "bold"), Span(".")]


@pytest.mark.parametrize("language", ["en", "ca", "es", "fr", "pt"])
def test_a_label_reads_as_the_same_message_in_a_reply_would(language: str) -> None:
    for message, values in (
        ("deadline {date}", {"date": "2 Jan 2027"}),
        ("No upcoming events for '{wanted}'. Kinds: {kinds}.", {"wanted": "{kinds}", "kinds": "fairs"}),
        ("Open opportunities", {}),
    ):
        in_a_reply = "".join(span.text for span in Text(language=language).t(message, **values).spans)
        assert fill(language, message, **values) == in_a_reply
        assert fill(language, message, **values) == in_a_reply  # and again, from the cached template
