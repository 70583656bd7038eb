"""The report's charts as geometry for inline SVG (templates/charts.svg.j2 draws them): no library, no script, no network.

A chart is horizontal bars, one row per label, each bar a stack of segments (errors and warnings;
tasks completed, overdue and in progress) on a common scale; rates are bars on a fixed 0-100 scale.
Everything is computed here in viewBox units, so the template only places rectangles and texts.
The page draws each SVG at the width of its column (width 100%, viewBox kept), so no chart overflows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 1000        # viewBox width
LABEL_WIDTH = 240   # left column: the row's label
LABEL_CHARS = 36    # a longer label is cut (the bar's tooltip gives it whole)
VALUE_WIDTH = 70    # right column: the row's total
ROW_HEIGHT = 18
BAR_HEIGHT = 12
TOP = 22            # room for the axis ticks' labels


@dataclass
class Segment:
    x: float
    width: float
    css: str
    value: float
    label: str


@dataclass
class Row:
    label: str
    full_label: str
    y: float
    total_text: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    rows: list[Row]
    ticks: list[tuple[float, str]]  # (x, label)
    legend: list[tuple[str, str]]   # (css class, label)
    height: float
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    label_width: int = LABEL_WIDTH


def _step(value: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 x 10^k, at least 1: the charts count things) giving at most `ticks` steps to `value`."""
    step = 1.0
    while True:
        for factor in (1, 2, 5):
            if step * factor * ticks >= value:
                return step * factor
        step *= 10


def stacked_bars(chart_id: str, title: str, rows: list[tuple[str, list[tuple[str, float, str]]]],
                 legend: list[tuple[str, str]], fmt, scale_max: float | None = None) -> Chart:
    """rows: (label, [(css class, value, segment label)]); fmt writes a number in the page's language."""
    rows = [(label, [(css, float(v or 0), name) for css, v, name in segments]) for label, segments in rows]
    totals = [sum(v for _, v, _ in segments) for _, segments in rows]
    step = _step(scale_max if scale_max is not None else max(totals, default=0))
    end = scale_max if scale_max is not None else step * max(1, -(-max(totals, default=0) // step))
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    placed = []
    for i, ((label, segments), total) in enumerate(zip(rows, totals)):
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
        row = Row(label=short, full_label=label, y=TOP + i * ROW_HEIGHT, total_text=fmt(total))
        x = float(LABEL_WIDTH)
        for css, value, segment_label in segments:
            width = span * min(value, end) / end
            if value > 0:
                row.segments.append(Segment(round(x, 2), round(width, 2), css, value, f"{segment_label}: {fmt(value)}"))
            x += width
        placed.append(row)
    ticks = [(round(LABEL_WIDTH + span * k * step / end, 2), fmt(k * step)) for k in range(int(end // step) + 1)]
    return Chart(chart_id, title, placed, ticks, legend, TOP + len(rows) * ROW_HEIGHT + 6)
