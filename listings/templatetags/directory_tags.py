"""Template helpers for the public pages: optional links, percentages, stars and the chart."""

from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse

from listings.distance import active_unit
from listings.skin_types import SafetySummary

register = template.Library()

CHART_WIDTH = 480
ROW_HEIGHT = 100
BAR_HEIGHT = 22
LABEL_BASELINE = 24
BAR_TOP = 34
COUNT_BASELINE = 80


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """``reverse(name, args)``, or "" while the page it names does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def percent(value: float | None) -> str:
    """0.1234 → "12%"; below 1% but above 0 → "<1%"."""
    if value is None:
        return ""
    if 0 < value < 0.01:
        return "<1%"
    return f"{round(value * 100):d}%"


@register.filter
def distance_away(km: float | None) -> str:
    """A distance in km as the visitor reads it: "3.1 mi away" or "5 km away"."""
    return "" if km is None else active_unit().away(km)


@register.filter
def rating(value: float | None) -> str:
    """A rating out of 5 with one decimal: 4.25 → "4.3"."""
    return "" if value is None else f"{value:.1f}"


@register.inclusion_tag("includes/stars.html")
def stars(value: float | int | None, label: str = "") -> dict:
    """Five stars filled to ``value`` (decorative) beside the number (the accessible part)."""
    value = float(value or 0)
    states = []
    for i in range(5):
        part = value - i
        states.append("full" if part >= 0.75 else "half" if part >= 0.25 else "empty")
    return {"value": value, "states": states, "label": label}


@dataclass(frozen=True)
class Segment:
    severity: str
    label: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class ChartRow:
    label: str
    counts: str
    text: str
    y: int
    segments: list[Segment]


@register.inclusion_tag("includes/complication_chart.html")
def complication_chart(safety: SafetySummary, chart_id: str = "complication-chart") -> dict:
    """A horizontal stacked bar per reported complication type, split by severity.

    Server-rendered SVG: no script, no chart library. Every number is also written as text
    beside its bar and in the table that follows, so colour is never the only cue.
    """
    rows = safety.reported_rows
    scale = (CHART_WIDTH - 2) / safety.max_total if safety.max_total else 0
    chart_rows: list[ChartRow] = []
    for index, row in enumerate(rows):
        x = 1.0
        segments = []
        for severity, label, count in row.by_severity:
            if count:
                width = count * scale
                segments.append(Segment(severity, label, count, round(x, 2), round(width, 2)))
                x += width
        parts = [f"{count} {label.lower()}" for _, label, count in row.by_severity if count]
        chart_rows.append(
            ChartRow(
                label=row.label,
                counts=", ".join(parts),
                text=f"{row.label}: {', '.join(parts)}",
                y=index * ROW_HEIGHT,
                segments=segments,
            )
        )
    description = "; ".join(r.text for r in chart_rows) or "No complications reported."
    return {
        "chart_id": chart_id,
        "rows": chart_rows,
        "width": CHART_WIDTH,
        "height": max(ROW_HEIGHT * len(chart_rows) - 10, ROW_HEIGHT),
        "label_baseline": LABEL_BASELINE,
        "bar_top": BAR_TOP,
        "count_baseline": COUNT_BASELINE,
        "bar_height": BAR_HEIGHT,
        "description": description,
    }
