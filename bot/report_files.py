"""`clusterbot report … --out DIR`: the chat's report as files, for scripts and spreadsheets.

One `Report` gives everything written: `report.txt` (the chat's summary), a PNG per chart, a CSV
per table (stable English column names, cells never read as formulas) and `report.xlsx` with the
same tables as sheets.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.console import render
from bot.csvout import SafeWriter, neutralise
from handlers.report_charts import as_images, report_charts
from handlers.reports import ReportScope, parse_period, scope_label, scope_of, split_words, summary
from store.db import Database
from store.report_values import Report, Table
from store.repository import store_transaction


class UnknownScope(Exception):
    """The scope names nothing; the message says what was typed and the closest names."""


@dataclass(frozen=True, slots=True)
class Written:
    summary: str
    files: list[Path]


async def load_report(
    database: Database, words: list[str], language: str, now: datetime
) -> tuple[Report, ReportScope]:
    """Raise UsageError (a period it cannot read) or UnknownScope; nothing is written yet."""
    named, period_words = split_words(words)
    period = parse_period(period_words, now, language)
    async with store_transaction(database) as store:
        scope = ReportScope(None, "all", "")
        if named is not None and named[0] != "all":
            kind, typed = named
            resolved = await store.resolver.segment(kind, typed)
            if resolved.found is None:
                known = ", ".join(label for label, _ in resolved.suggestions) or "none"
                raise UnknownScope(f"no {kind} is called '{typed}'; did you mean: {known}?")
            scope = await scope_of(store, kind, resolved.found)
        return await store.reports.report(scope.cluster_ids, period, now), scope


def write_files(result: Report, scope: ReportScope, out: Path, language: str) -> Written:
    """The summary, charts, CSV files and workbook of one report in `out`."""
    text = render(summary(result, scope_label(scope, language), language).reply())
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "report.txt"]
    files[0].write_text(text + "\n", encoding="utf-8")
    if not result.empty:
        for image in as_images(report_charts(result, language)):
            files.append(out / image.filename)
            files[-1].write_bytes(image.content)
    tables = result.tables()
    for table in tables:
        files.append(out / f"{table.name}.csv")
        with files[-1].open("w", newline="", encoding="utf-8") as csv_file:
            writer = SafeWriter(csv_file)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
    files.append(out / "report.xlsx")
    files[-1].write_bytes(workbook(tables))
    return Written(text, files)


def workbook(tables: list[Table]) -> bytes:
    """The tables as sheets of one .xlsx; openpyxl is imported only when a report is written."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name[:31])  # Excel's limit for a sheet's name
        sheet.append(list(table.columns))
        for row in table.rows:
            # A text cell starting with `=` would be stored as a formula: neutralised as in the CSV.
            sheet.append([neutralise(cell) for cell in row])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
