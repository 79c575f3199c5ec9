"""Charts for the web panel as inline SVG, drawn on the server: no script, no CDN, readable in
a screenshot. A line chart of one series (the `gmac metrics` signals), and a strip of
squares for a health history (newest on the right)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from gmac.render.observe import number

WIDTH, HEIGHT = 320, 120
_LEFT, _RIGHT, _TOP, _BOTTOM = 76, 8, 10, 20


def _time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M")


def line_chart(
    points: Sequence[tuple[float, float]], unit: str, title: str, *, width: int = WIDTH
) -> str:
    """One series as a polyline over its time range, min and max on the y axis."""
    finite = [(at, v) for at, v in points if math.isfinite(v)]
    label = escape(title)
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {HEIGHT}" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
    )
    if not finite:
        return (
            f'{head}<text x="{width / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" '
            'class="none">no data</text></svg>'
        )
    start, end = finite[0][0], finite[-1][0]
    low = min(v for _, v in finite)
    high = max(v for _, v in finite)
    if high == low:
        low, high = (low - 1, high + 1) if low == 0 else (low * 0.9, high * 1.1)
        low, high = min(low, high), max(low, high)
    span_x = (end - start) or 1.0
    plot_w, plot_h = width - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def x(at: float) -> float:
        return _LEFT + (at - start) / span_x * plot_w

    def y(value: float) -> float:
        return _TOP + (high - value) / (high - low) * plot_h

    line = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in finite)
    bottom = _TOP + plot_h
    return "".join(
        [
            head,
            f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" class="frame"/>',
            f'<polyline points="{line}" class="line"/>',
            f'<text x="{_LEFT - 4}" y="{_TOP + 8}" text-anchor="end">'
            f"{escape(number(high, unit))}</text>",
            f'<text x="{_LEFT - 4}" y="{bottom}" text-anchor="end">'
            f"{escape(number(low, unit))}</text>",
            f'<text x="{_LEFT}" y="{HEIGHT - 4}">{_time(start)}</text>',
            f'<text x="{width - _RIGHT}" y="{HEIGHT - 4}" text-anchor="end">{_time(end)}</text>',
            "</svg>",
        ]
    )


def health_strip(statuses: Sequence[tuple[str, str]], *, size: int = 12) -> str:
    """(status, when) oldest first: a green square for ok, red for anything else."""
    if not statuses:
        return '<span class="none">never checked</span>'
    width = len(statuses) * (size + 2)
    cells = "".join(
        f'<rect x="{i * (size + 2)}" y="0" width="{size}" height="{size}" '
        f'class="{"ok" if status == "ok" else "bad"}"><title>{escape(when)} '
        f"{escape(status)}</title></rect>"
        for i, (status, when) in enumerate(statuses)
    )
    return (
        f'<svg class="strip" viewBox="0 0 {width} {size}" width="{width}" height="{size}" '
        f'role="img" aria-label="health history" xmlns="http://www.w3.org/2000/svg">{cells}</svg>'
    )
