"""The dashboard's chart of cash and what is owed on awards, drawn on the server as SVG.

Presentation attributes only (no ``style`` attribute, no script), so the page's
Content-Security-Policy holds without 'unsafe-inline'. The chart is an image
with a text alternative; its figures are also in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.web.formatting import day, money
from ledger.money import Money

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 110, 20, 20, 40
CASH, OWED = "#1d70b8", "#f47738"  # GOV.UK blue and orange: apart for colour-blind eyes too


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: list[int]
    dashed: bool = False


FONT = "arial, sans-serif"


def rounded_up(value: int) -> int:
    """The smallest of 1, 2 or 5 times a power of ten that is at least ``value`` (> 0):
    a scale whose marks read as round figures."""
    magnitude = 10 ** (len(str(value)) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if value <= m * magnitude)


def line_chart(labels: list[str], series: list[Series], currency: str, title: str) -> Markup:
    """An SVG line chart, one line per series, on a scale from zero to a round figure."""
    top = rounded_up(max([1, *(v for s in series for v in s.values)]))
    lowest = min([0, *(v for s in series for v in s.values)])
    bottom = -rounded_up(-lowest) if lowest < 0 else 0
    span = top - bottom
    steps = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * i / steps

    def y(value: int) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (top - value) / span

    parts = [
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for halves in (0, 1, 2):  # the bottom, the middle and the top of the scale
        value = bottom + span * halves // 2
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#b1b4b6" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y(value) + 5:.1f}" text-anchor="end" font-size="14" '
            f'font-family="{FONT}" fill="#0b0c0c">{escape(money(Money(value, currency)))}</text>'
        )
    last = len(labels) - 1
    for i in sorted({0, last // 2, last}) if labels else ():
        # The first label starts at its point and the last one ends there: neither is cut.
        anchor = "start" if i == 0 and last else "end" if i == last and last else "middle"
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}" font-size="14" '
            f'font-family="{FONT}" fill="#0b0c0c">{escape(labels[i])}</text>'
        )
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        dash = ' stroke-dasharray="8 4"' if s.dashed else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{s.colour}" stroke-width="3"{dash}/>'
        )
    parts.append("</svg>")
    # Every piece of text in it went through escape() above.
    return Markup("".join(parts))  # noqa: S704


def cash_and_owed(points, currency: str, title: str) -> Markup:
    labels = [day(p.month_end) for p in points]
    return line_chart(
        labels,
        [
            Series("cash", CASH, [p.cash.minor for p in points]),
            Series("owed", OWED, [p.owed.minor for p in points], dashed=True),
        ],
        currency,
        title,
    )
