"""Forms for the commands people fill in rather than type, for platforms with dialogs (Slack modals).

A form is only another way to write a command line: submitting one builds the same line a member
would type (`event add title=… start=…`) and runs it through the router, so the checks, the scope
and the reply are those of the typed command. A refusal that names its field (`UserError.field`)
is shown beside that field.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from core.i18n import language_name
from core.types import N_
from handlers.engine.context import Context
from handlers.engine.kinds import kind_label
from handlers.engine.spoken import MAX_LANGUAGES
from handlers.engine.timefmt import local
from handlers.events import load_event
from store.fields import FIELD_LENGTHS
from store.models import EVENT_KINDS, OPPORTUNITY_KINDS
from store.text import tag_items

# What a Slack text input holds at most; a longer current value is left out of the form (and so
# left unchanged) rather than cut.
INPUT_LIMIT = 3000


# (value, label) pairs: what a field with a fixed set of answers offers, in the reader's language.
Choices = tuple[tuple[str, str], ...]
ChoicesIn = Callable[[str], Choices]


@dataclass(frozen=True, slots=True)
class Field:
    """One input: `key` is the form field the command takes (`title`); label and hint are message ids.

    `options` gives a field with a fixed set of answers (the kinds of event) in a language: the
    form offers them as a list to pick from (`choices`, filled when the form is shown), several
    at once when `multiple`; a submission holds the values picked, separated by commas.
    """

    key: str
    label: str
    hint: str = ""
    required: bool = False
    multiline: bool = False
    max_length: int = INPUT_LIMIT
    options: ChoicesIn | None = None
    multiple: bool = False
    choices: Choices = ()
    most: int = 1  # how many a `multiple` field takes at most


Initial = Callable[[Context], Awaitable[dict[str, str]]]
Lines = Callable[[Sequence[str], Mapping[str, str]], list[str]]


@dataclass(frozen=True, slots=True)
class Form:
    command: str
    title: str
    submit: str
    fields: tuple[Field, ...]
    # The command lines for the arguments the form was opened with and the values that changed.
    lines: Lines
    # How many words after the command open the form (`event edit 12`: one); more means typed.
    opening_args: int = 0
    initial: Initial | None = None
    # Whether what it saves shows on the member's home screen (their profile's suggestions, the
    # events and opportunities there), so that a platform with one redraws it after a submission.
    changes_home: bool = True


@dataclass(frozen=True, slots=True)
class FormView:
    """A form ready to show: `line` is what opened it, and what its submission is answered against."""

    line: str
    title: str
    submit: str
    close: str
    fields: tuple[Field, ...]  # labels and hints translated
    values: dict[str, str]  # what each field starts from


def key_values(command: str) -> Lines:
    """`command ARGS key=value…`, the one-line form of post and event add|edit."""

    def lines(args: Sequence[str], values: Mapping[str, str]) -> list[str]:
        words = [*args, *(f"{key}={value}" for key, value in values.items())]
        return [f"/{command} {shlex.join(words)}".rstrip()]

    return lines


def _announce_lines(_args: Sequence[str], values: Mapping[str, str]) -> list[str]:
    kind, colon, name = values.get("to", "").strip().partition(":")
    audience = f"{kind}:{shlex.quote(name.strip())}" if colon else kind
    return [f"/announce {audience} {values.get('text', '').strip()}"]


def _meet_lines(_args: Sequence[str], values: Mapping[str, str]) -> list[str]:
    member = values.get("member", "").strip()
    member = f"#{member}" if member.isdigit() else member  # a member number, as `meet #12` takes it
    return [f"/meet {member} {values.get('event', '').strip()}".rstrip()]


def _profile_lines(_args: Sequence[str], values: Mapping[str, str]) -> list[str]:
    return [f"/profile set {key} {value}" for key, value in values.items()]


async def _event_now(ctx: Context) -> dict[str, str]:
    event = await load_event(ctx)
    moment = "%Y-%m-%d %H:%M"
    return {
        "title": event.title,
        "kind": event.kind,
        "start": local(event.starts_at, event.timezone).strftime(moment),
        "end": local(event.ends_at, event.timezone).strftime(moment),
        "tz": event.timezone,
        "place": event.place or "",
        "url": event.online_url or "",
        "capacity": str(event.capacity or ""),
        "tags": ", ".join(event.tags or []),
        "description": event.description or "",
    }


async def _profile_now(ctx: Context) -> dict[str, str]:
    card = await ctx.store.people.card(ctx.member.id)
    member = ctx.member
    return {
        "name": member.name,
        "role": member.role or "",
        "organisation": card.organisation.name if card and card.organisation else "",
        "bio": member.bio or "",
        "offers": member.offers or "",
        "seeks": member.seeks or "",
        "interests": ", ".join(member.tags or []),
        "languages": ", ".join(member.languages or []),
    }


def _kinds(kinds: Sequence[str]) -> ChoicesIn:
    return lambda language: tuple((kind, kind_label(kind, language).capitalize()) for kind in kinds)


# The languages a member of a European cluster network most often speaks; one already in the
# member's profile is offered too (`show`), so that saving the form never drops it.
SPOKEN = (
    "ca", "es", "pt", "fr", "en", "de", "it", "nl", "pl", "ro", "el", "sv", "da", "fi", "cs", "sk", "sl",
    "hr", "hu", "bg", "lt", "lv", "et", "ga", "mt", "eu", "gl", "no", "tr", "uk", "ru", "ar", "zh", "ja",
)  # fmt: skip


def _spoken(language: str) -> Choices:
    return tuple((code, language_name(code, language)) for code in SPOKEN)


_TITLE = Field("title", N_("Title"), required=True, max_length=FIELD_LENGTHS["title"])
_DESCRIPTION = Field("description", N_("Description"), multiline=True)
_TAGS = Field("tags", N_("Tags"), N_("separated by commas"))
_URL = Field("url", N_("Web address"), "https://…", max_length=FIELD_LENGTHS["url"])
_EVENT_FIELDS = (
    _TITLE,
    Field("kind", N_("Kind"), options=_kinds(EVENT_KINDS)),
    Field("start", N_("Starts"), "2027-01-20 10:00", required=True),
    Field("end", N_("Ends"), "2027-01-20 13:00"),
    Field("tz", N_("Time zone"), "Europe/Madrid"),
    Field("place", N_("Place"), max_length=FIELD_LENGTHS["place"]),
    _URL,
    Field("capacity", N_("Places"), "40"),
    _TAGS,
    _DESCRIPTION,
)

FORMS = {
    form.command: form
    for form in (
        Form(
            "post",
            N_("Post an opportunity"),
            N_("Publish"),
            (
                Field("kind", N_("Kind"), required=True, options=_kinds(OPPORTUNITY_KINDS)),
                _TITLE,
                _DESCRIPTION,
                _TAGS,
                Field("deadline", N_("Deadline"), "2027-01-31"),
                Field("region", N_("Region"), max_length=FIELD_LENGTHS["region"]),
                _URL,
            ),
            key_values("post"),
        ),
        Form("event add", N_("New event"), N_("Create"), _EVENT_FIELDS, key_values("event add")),
        Form(
            "event edit",
            N_("Change the event"),
            N_("Save"),
            _EVENT_FIELDS,
            key_values("event edit"),
            opening_args=1,
            initial=_event_now,
        ),
        Form(
            "announce",
            N_("Announcement"),
            N_("Preview"),
            (
                Field(
                    "to", N_("For"), "everyone, cluster:NAME, region:NAME, tag:NAME, event:12", required=True
                ),
                Field("text", N_("Message"), multiline=True, required=True),
            ),
            _announce_lines,
            changes_home=False,
        ),
        Form(
            "profile set",
            N_("Your profile"),
            N_("Save"),
            (
                Field("name", N_("Name"), required=True, max_length=200),
                Field("role", N_("Role"), max_length=200),
                Field("organisation", N_("Organisation"), max_length=200),
                Field("bio", N_("About you"), multiline=True, max_length=2000),
                Field("offers", N_("What you offer"), multiline=True, max_length=2000),
                Field("seeks", N_("What you are looking for"), multiline=True, max_length=2000),
                Field("interests", N_("Interests"), N_("separated by commas")),
                Field("languages", N_("Languages"), options=_spoken, multiple=True, most=MAX_LANGUAGES),
            ),
            _profile_lines,
            initial=_profile_now,
        ),
        Form(
            "meet",
            N_("Request a meeting"),
            N_("See times"),
            (
                Field("member", N_("Member"), N_("a name or a member number"), required=True),
                Field("event", N_("Event number"), N_("leave empty for any B2B session")),
            ),
            _meet_lines,
            changes_home=False,
        ),
    )
}


def form_of(command: str, args: Sequence[str]) -> Form | None:
    """The form `command ARGS` opens: a command with a form, given only the words that open it."""
    form = FORMS.get(command)
    if form is None or len(args) != form.opening_args or any("=" in arg for arg in args):
        return None
    return form


async def show(ctx: Context, form: Form, line: str) -> FormView:
    """The form in the member's language, filled with the current values when it edits something."""
    current = await form.initial(ctx) if form.initial else {}
    fields = tuple(
        replace(
            field,
            label=ctx.tr(field.label),
            hint=ctx.tr(field.hint) if field.hint else "",
            choices=_choices(field, current.get(field.key, ""), ctx.language),
        )
        for field in form.fields
        if len(current.get(field.key, "")) <= field.max_length
    )
    return FormView(line, ctx.tr(form.title), ctx.tr(form.submit), ctx.tr("Close"), fields, current)


def _choices(field: Field, now: str, language: str) -> Choices:
    """The field's answers in `language`, and any it holds now that they leave out."""
    if field.options is None:
        return ()
    offered = field.options(language)
    known = {value for value, _label in offered}
    held = tag_items(now) if field.multiple else [now.strip()] if now.strip() else []
    return offered + tuple((value, value) for value in held if value not in known)


async def submitted_lines(ctx: Context, form: Form, values: Mapping[str, str]) -> list[str]:
    """The command lines a submission stands for: only fields that were shown and changed."""
    current = await form.initial(ctx) if form.initial else {}
    changed = {
        field.key: " ".join(values[field.key].split()) if not field.multiline else values[field.key].strip()
        for field in form.fields
        if field.key in values and values[field.key].strip() != current.get(field.key, "")
    }
    return form.lines(ctx.args, changed)
