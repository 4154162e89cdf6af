"""A report's pictures: first what each chart shows (`Chart`, plain numbers), then the PNG.

The numbers of a chart are taken from the `Report` the text and the CSV files come from, and a
chart is a value tests can read; `render` draws it with matplotlib, imported only when a picture
is drawn so that the bot starts without it. Pictures are 1080 px wide with large type, to be read
on a phone; a chart with nothing to show is left out, never drawn empty.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from core.types import N_, Attachment, fill
from handlers.outcomes import STEP_LABELS
from store.report_values import STATUSES, Report
from store.resolver import short_names

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ChartKind = Literal["bars", "stacked", "heatmap"]
WIDTH_INCHES, DPI = 10.8, 100  # 1080 px
FONT_SIZE = 20
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
MOST_BARS = 8
LABEL_LIMIT = 24

STAGE_LABELS = {
    ("introductions", "requested"): N_("introductions requested"),
    ("introductions", "accepted"): N_("introductions accepted"),
    ("meetings", "requested"): N_("meetings requested"),
    ("meetings", "accepted"): N_("meetings accepted"),
    ("meetings", "held"): N_("meetings held"),
    ("meetings", "no_show"): N_("meetings no-show"),
}
REACH_LABELS = {
    "announcements": N_("announcements"),
    "reminders": N_("reminders"),
    "alerts": N_("alerts"),
}
# "delivered", not "sent": the catalogs' "sent" is an announcement's state, singular in most languages.
STATUS_LABELS = {
    "sent": N_("delivered"),
    "pending": N_("pending"),
    "unreachable": N_("unreachable"),
    "failed": N_("failed"),
}


@dataclass(frozen=True, slots=True)
class Chart:
    """What one picture shows: `categories` down the side, a value per category in each series
    (for a heatmap, one series per row)."""

    name: str
    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def total(self) -> int:
        return sum(sum(values) for _, values in self.series)


def short(label: str) -> str:
    """A name cut to fit a chart's side on a phone."""
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1].rstrip() + "…"


def short_cluster(name: str) -> str:
    """A cluster by its short name (`TEXCAT`) when its full name is too long for a chart."""
    names = short_names(name)
    return names[0] if len(name) > LABEL_LIMIT and names else short(name)


def report_charts(report: Report, language: str) -> list[Chart]:
    """The charts of a report that have something to show, in the order the summary reads."""

    def tr(message: str) -> str:
        return fill(language, message)

    clusters = report.by_cluster[:MOST_BARS]
    events = report.events[-MOST_BARS:]
    charts = [
        Chart(
            "members",
            "bars",
            tr("Members by cluster"),
            tuple(short_cluster(label) for label, _ in clusters),
            (
                (tr("members"), tuple(c.members for _, c in clusters)),
                (tr("active"), tuple(c.active for _, c in clusters)),
                (tr("new"), tuple(c.new for _, c in clusters)),
            ),
        ),
        Chart(
            "events",
            "bars",
            tr("Events: who answered"),
            tuple(short(f"#{event.id} {event.title}") for event in events),
            (
                (tr("going"), tuple(event.going for event in events)),
                (tr("waitlisted"), tuple(event.waitlisted for event in events)),
                (tr("attended (B2B)"), tuple(event.attended or 0 for event in events)),
            ),
        ),
        Chart(
            "connections",
            "bars",
            tr("Connections"),
            tuple(tr(STAGE_LABELS[s.kind, s.stage]) for s in report.connections),
            (
                (tr("all"), tuple(s.count for s in report.connections)),
                (tr("across clusters"), tuple(s.crossing.clusters for s in report.connections)),
                (tr("across countries"), tuple(s.crossing.countries for s in report.connections)),
            ),
        ),
        Chart(
            "matrix",
            "heatmap",
            tr("Agreed connections between clusters"),
            tuple(short(label) for label in report.matrix_labels),
            tuple(
                (short(label), row) for label, row in zip(report.matrix_labels, report.matrix, strict=True)
            ),
        ),
        Chart(
            "reach",
            "stacked",
            tr("Messages sent"),
            tuple(tr(REACH_LABELS[line.kind]) for line in report.reach),
            tuple(
                (tr(STATUS_LABELS[status]), tuple(getattr(line, status) for line in report.reach))
                for status in STATUSES
            ),
        ),
        outcomes_chart(report, language),
    ]
    return [_without_empty_series(chart) for chart in charts if chart.total]


def outcomes_chart(report: Report, language: str) -> Chart:
    """The ladder as a funnel: pairs that reached at least each step, from discussion up."""
    climbed = [(step, count) for step, count in report.outcomes.funnel if step != "none"]
    return Chart(
        "outcomes",
        "bars",
        fill(language, "Outcome funnel (pairs)"),
        tuple(short(fill(language, STEP_LABELS[step])) for step, _ in climbed),
        ((fill(language, "pairs"), tuple(count for _, count in climbed)),),
    )


def _without_empty_series(chart: Chart) -> Chart:
    """A legend entry for a series of zeros only takes room: bars and lines keep those with a value."""
    if chart.kind != "bars":
        return chart
    return replace(chart, series=tuple((label, values) for label, values in chart.series if any(values)))


def delivery_chart(name: str, title: str, counts: dict[str, int], language: str) -> Chart:
    """One stacked bar of an announcement's delivery: sent / pending / unreachable / failed."""
    return Chart(
        name,
        "stacked",
        title,
        ("",),
        tuple((fill(language, STATUS_LABELS[status]), (counts.get(status, 0),)) for status in STATUSES),
    )


def render(chart: Chart) -> bytes:
    """The chart as a PNG 1080 px wide. Matplotlib's object API with the Agg canvas: no display,
    no global pyplot state, so pictures can be drawn in a worker thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = len(chart.categories)
    height = 2.6 + rows * (0.4 * len(chart.series) + 0.3 if chart.kind == "bars" else 0.9)
    if chart.kind == "heatmap":
        height = max(WIDTH_INCHES * 0.8, 3.0 + rows * 0.9)
    figure = Figure(figsize=(WIDTH_INCHES, min(height, 24.0)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.tick_params(labelsize=FONT_SIZE)
    if chart.kind == "heatmap":
        _heatmap(axes, chart)
    else:
        _bars(axes, chart)
    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()


def _bars(axes: Axes, chart: Chart) -> None:
    rows = range(len(chart.categories))
    count = len(chart.series)
    stacked = chart.kind == "stacked"
    thickness = 0.8 if stacked else 0.8 / count
    left = [0] * len(chart.categories)
    widest = max((sum(row) for row in zip(*(values for _, values in chart.series), strict=True)), default=0)
    for number, (label, values) in enumerate(chart.series):
        colour = COLOURS[number % len(COLOURS)]
        if stacked:
            bars = axes.barh(list(rows), values, thickness, left=left, label=label, color=colour)
            left = [a + b for a, b in zip(left, values, strict=True)]
        else:
            positions = [row - 0.4 + thickness * (number + 0.5) for row in rows]
            bars = axes.barh(positions, values, thickness, label=label, color=colour)
        # A segment too narrow for its number goes without (the text and the CSV have them all).
        narrow = 0.05 * widest if stacked else 0
        shown = [str(value) if value and value >= narrow else "" for value in values]
        axes.bar_label(
            bars,
            labels=shown,
            label_type="center" if stacked else "edge",
            padding=4,
            fontsize=FONT_SIZE - 2,
            color="white" if stacked else "black",
        )
    axes.set_yticks(list(rows), chart.categories)
    axes.margins(x=0.08)  # room for the numbers at the ends of the longest bars
    axes.invert_yaxis()
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    # The title heads the legend, so that the layout keeps both above the bars, one under the other.
    axes.legend(
        title=chart.title,
        title_fontproperties={"size": FONT_SIZE + 4, "weight": "bold"},
        alignment="left",
        fontsize=FONT_SIZE - 2,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=min(count, 2),
        frameon=False,
        borderaxespad=0.3,
    )


def _heatmap(axes: Axes, chart: Chart) -> None:
    axes.set_title(chart.title, fontsize=FONT_SIZE + 4, loc="left", fontweight="bold")
    grid = [list(values) for _, values in chart.series]
    axes.imshow(grid, cmap="Blues")
    ticks = list(range(len(chart.categories)))
    axes.set_xticks(ticks, chart.categories, rotation=45, ha="right")
    axes.set_yticks(ticks, chart.categories)
    top = max((value for row in grid for value in row), default=0)
    for y, row in enumerate(grid):
        for x, value in enumerate(row):
            colour = "white" if top and value > top / 2 else "black"
            axes.text(x, y, str(value), ha="center", va="center", fontsize=FONT_SIZE, color=colour)


def as_images(charts: list[Chart], prefix: str = "report-") -> tuple[Attachment, ...]:
    return tuple(Attachment(f"{prefix}{chart.name}.png", render(chart), "image/png") for chart in charts)
