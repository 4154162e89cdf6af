"""CSV we write is opened in spreadsheets: no cell of it may be run as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.importing import export_csv, write_invitations, write_rejections
from store.db import Database
from store.importing import InvitationLink, Rejection
from tests.conftest import Clock
from tests.factories import add_member

FORMULA = '=HYPERLINK("http://x","y")'


async def test_a_member_named_like_a_formula_is_exported_as_text(db: Database, clock: Clock) -> None:
    await add_member(db, clock.now, FORMULA, bio="+34 600 000 000", offers="@everyone", seeks="-1+1")
    out = io.StringIO()
    await export_csv(db, "members", out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["name"] == f"'{FORMULA}"
    assert (row["bio"], row["offers"], row["seeks"]) == ("'+34 600 000 000", "'@everyone", "'-1+1")


def test_invitation_and_rejection_reports_neutralise_formulas_too(tmp_path: Path) -> None:
    source = tmp_path / "members.csv"
    invitations = write_invitations(source, [InvitationLink(1, FORMULA, "\tx@y.example", "tok")], "Bot")
    [invited] = list(csv.DictReader(invitations.open(encoding="utf-8", newline="")))
    assert (invited["name"], invited["email"]) == (f"'{FORMULA}", "'\tx@y.example")
    assert invited["start_command"] == "/start tok"

    rejections = write_rejections(source, [Rejection(2, "name", "\r=1+1 is not a name")])
    [rejected] = list(csv.DictReader(rejections.open(encoding="utf-8", newline="")))
    assert rejected["reason"] == "'\r=1+1 is not a name" and rejected["line"] == "2"
