"""Inline SVG charts for report.html: punch mix, work rate, speed per punch, fatigue, guard gauge, stamp timeline.

Each chart is a string of SVG made here from report values, with a ``<title>`` and ``<desc>`` for screen readers
and axis titles. Words shown in a chart arrive already translated (``text`` for labels, ``kinds`` for stamp kinds);
every string that comes from the report is escaped here, numbers are re-formatted from floats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

STRIKE_KINDS = ("jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut")
CATEGORIES = ("strike", "defense", "fault")
CATEGORY_COLOURS = {"strike": "#d9482b", "defense": "#2f6fd6", "fault": "#d99a00"}
KIND_COLOURS = {
    "jab": "#f07050", "cross": "#c0392b", "lead_hook": "#f39c12", "rear_hook": "#a04000",
    "lead_uppercut": "#d6457f", "rear_uppercut": "#7d3c98", "slip": "#2f6fd6", "duck": "#138d90",
    "pull_back": "#5b63c9", "guard_drop": "#d99a00",
}  # fmt: skip
OTHER_COLOUR = "#7a808a"
# viewBox widths: CSS scales a chart to its card, so a narrow viewBox keeps the text legible on a phone; the two
# wide charts (speed, timeline) scroll sideways on a phone instead (report_html's .scroll).
_NARROW = 420
_WIDE = 760
_AXIS = 'stroke="#9aa0a6" stroke-width="1"'
_GRID = 'stroke="#e6e8eb" stroke-width="1"'


@dataclass(frozen=True, slots=True)
class _Scale:
    """A linear map from data values (``lo..hi``) to SVG coordinates (``start..end``)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (self.end - self.start) * (value - self.lo) / ((self.hi - self.lo) or 1.0)


def num(value: Any) -> float | None:  # noqa: ANN401 - any JSON value
    """A finite number from a JSON value, or None (null, missing, text, bool, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def clock(t_s: Any, *, tenths: bool = False) -> str:  # noqa: ANN401 - any JSON value
    """Seconds as ``mm:ss`` (or ``mm:ss.s`` with ``tenths``); ``—`` for a non-number."""
    seconds = num(t_s)
    if seconds is None:
        return "—"
    if tenths:
        minutes, rest = divmod(round(max(seconds, 0.0) * 10), 600)
        return f"{minutes:02d}:{rest / 10:04.1f}"
    minutes, rest = divmod(round(max(seconds, 0.0)), 60)
    return f"{minutes:02d}:{rest:02d}"


def kind_colour(kind: str) -> str:
    """The colour of a stamp kind (grey for a kind this page does not know)."""
    return KIND_COLOURS.get(kind, OTHER_COLOUR)


def _g(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _nice_ticks(top: float, *, whole: bool = False, count: int = 4) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten; whole numbers for counts) from 0 to >= ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if whole else step
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _time_ticks(duration_s: float) -> list[float]:
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if duration_s / s <= 8), 1200)
    return [float(i * step) for i in range(int(duration_s // step) + 1)]


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> str:
    return (
        f'<svg id="{chart_id}" class="chart{" wide-chart" if width == _WIDE else ""}" viewBox="0 0 {width} {height}" '
        'role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d"><title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
    )


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", size: int = 12, fill: str = "#3c4043", extra: str = ""
) -> str:
    return (
        f'<text x="{_g(x)}" y="{_g(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(content)}</text>"
    )


def _y_axis(ticks: Sequence[float], left: float, right: float, y_of: _Scale, title: str) -> list[str]:
    """Horizontal grid lines with tick labels and a rotated axis title."""
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{_g(left)}" y1="{_g(y)}" x2="{_g(right)}" y2="{_g(y)}" {_GRID}/>')
        parts.append(_text(left - 6, y + 4, f"{tick:.2f}".rstrip("0").rstrip("."), anchor="end", size=11))
    mid = (y_of(ticks[0]) + y_of(ticks[-1])) / 2
    parts.append(_text(14, mid, title, anchor="middle", size=11, extra=f' transform="rotate(-90 14 {_g(mid)})"'))
    return parts


def _empty(width: int, height: int, message: str) -> str:
    return _text(width / 2, height / 2, message, anchor="middle", size=14, extra=' fill-opacity="0.7"')


def punch_mix(counts: Mapping[str, Any], text: Mapping[str, str], kinds: Mapping[str, str]) -> str:
    """Horizontal bars: how many of each strike kind (``metrics.counts``)."""
    values = [(kind, int(num(counts.get(kind)) or 0)) for kind in STRIKE_KINDS]
    total = sum(v for _, v in values)
    left, right, top, row = 112, _NARROW - 56, 12, 30
    base = top + row * len(values)
    height = base + 46
    ticks = _nice_ticks(max(v for _, v in values), whole=True)
    x_of = _Scale(0.0, ticks[-1], left, right)
    desc = ", ".join(f"{kinds.get(k, k)} {v}" for k, v in values)
    parts = [_open("chart-mix", text["mix"], desc, _NARROW, height)]
    for tick in ticks:
        x = x_of(tick)
        parts.append(f'<line x1="{_g(x)}" y1="{top}" x2="{_g(x)}" y2="{base}" {_GRID}/>')
        parts.append(_text(x, base + 16, _g(tick), anchor="middle", size=11))
    for i, (kind, value) in enumerate(values):
        y = top + i * row
        width = x_of(value) - left
        share = f" ({100 * value / total:.0f}%)" if total else ""
        parts.append(_text(left - 8, y + row / 2 + 4, kinds.get(kind, kind), anchor="end"))
        parts.append(
            f'<rect x="{left}" y="{y + 5}" width="{_g(width)}" height="{row - 10}" rx="3" fill="{kind_colour(kind)}">'
            f"<title>{escape(kinds.get(kind, kind))}: {value}</title></rect>"
        )
        parts.append(_text(left + width + 6, y + row / 2 + 4, f"{value}{share}", size=11))
    parts.append(f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" {_AXIS}/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" {_AXIS}/>')
    parts.append(_text((left + right) / 2, height - 6, text["axis_count"], anchor="middle", size=11))
    return "".join(parts) + "</svg>"


def work_rate(bins: Sequence[Mapping[str, Any]], text: Mapping[str, str]) -> str:
    """Vertical bars: strikes per 10 s bin over the round (``metrics.work_rate``)."""
    values = [(num(b.get("t_start_s")) or 0.0, num(b.get("strikes")) or 0.0) for b in bins]
    left, right, top, bottom, height = 50, _NARROW - 10, 14, 200, 244
    ticks = _nice_ticks(max((v for _, v in values), default=0.0), whole=True)
    y_of = _Scale(0.0, ticks[-1], bottom, top)
    desc = ", ".join(f"{clock(t)} {_g(v)}" for t, v in values)
    parts = [_open("chart-work-rate", text["work"], desc or text["none"], _NARROW, height)]
    parts += _y_axis(ticks, left, right, y_of, text["axis_work"])
    step = (right - left) / max(len(values), 1)
    label_every = max(1, math.ceil(len(values) / 7))
    for i, (t_s, value) in enumerate(values):
        x = left + i * step
        parts.append(
            f'<rect x="{_g(x + step * 0.12)}" y="{_g(y_of(value))}" width="{_g(step * 0.76)}" '
            f'height="{_g(bottom - y_of(value))}" rx="3" fill="#5b63c9"><title>{clock(t_s)}: {_g(value)}</title></rect>'
        )
        if i % label_every == 0:
            parts.append(_text(x + step / 2, bottom + 16, clock(t_s), anchor="middle", size=11))
    if not values:
        parts.append(_empty(_NARROW, height, text["none"]))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" {_AXIS}/>')
    parts.append(_text((left + right) / 2, height - 6, text["axis_time"], anchor="middle", size=11))
    return "".join(parts) + "</svg>"


def speed_per_punch(
    stamps: Sequence[Mapping[str, Any]], duration_s: float, text: Mapping[str, str], kinds: Mapping[str, str]
) -> str:
    """Scatter: each strike's peak hand speed (m/s) at its time, coloured by kind, with the mean as a line."""
    points = [
        (str(s.get("kind", "")), t_s, speed)
        for s in stamps
        if s.get("category") == "strike"
        and (t_s := num(s.get("t_peak_s"))) is not None
        and (speed := num(s.get("peak_speed_mps"))) is not None
    ]
    end_s = max([duration_s, *(t for _, t, _ in points)]) or 1.0
    left, right, top, bottom, height = 56, _WIDE - 22, 54, 234, 278
    ticks = _nice_ticks(max((v for _, _, v in points), default=0.0))
    y_of, x_of = _Scale(0.0, ticks[-1], bottom, top), _Scale(0.0, end_s, left, right)
    desc = "; ".join(f"{kinds.get(k, k)} {clock(t, tenths=True)} {v:.1f} m/s" for k, t, v in points)
    parts = [_open("chart-speed", text["speeds"], desc or text["none"], _WIDE, height)]
    parts += _y_axis(ticks, left, right, y_of, text["axis_speed"])
    for tick in _time_ticks(end_s):
        parts.append(_text(x_of(tick), bottom + 16, clock(tick), anchor="middle", size=11))
    x, y = float(left), 12.0
    present = sorted({k for k, _, _ in points}, key=lambda k: (*STRIKE_KINDS, k).index(k))
    for kind in present:  # legend: the kinds present, in punch-number order
        label = kinds.get(kind, kind)
        width = 24 + sum(11.5 if ord(c) > 0x2E80 else 6.5 for c in label)  # CJK glyphs are about twice as wide
        if x + width > right:
            x, y = float(left), y + 18
        parts.append(f'<circle cx="{_g(x + 5)}" cy="{_g(y)}" r="5" fill="{kind_colour(kind)}"/>')
        parts.append(_text(x + 14, y + 4, label, size=11))
        x += width
    if points:
        mean = sum(v for _, _, v in points) / len(points)
        parts.append(
            f'<line x1="{left}" y1="{_g(y_of(mean))}" x2="{right}" y2="{_g(y_of(mean))}" stroke="#3c4043" '
            'stroke-dasharray="5 4" stroke-width="1"/>'
        )
        parts.append(_text(right - 2, y_of(mean) - 4, f"{text['mean']} {mean:.1f}", anchor="end", size=11))
    else:
        parts.append(_empty(_WIDE, height, text["none"]))
    for kind, t_s, speed in points:
        parts.append(
            f'<circle class="pt" cx="{_g(x_of(t_s))}" cy="{_g(y_of(speed))}" r="5" fill="{kind_colour(kind)}" '
            f'stroke="#fff" stroke-width="1"><title>{escape(kinds.get(kind, kind))} {clock(t_s, tenths=True)} '
            f"{speed:.1f} m/s</title></circle>"
        )
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" {_AXIS}/>')
    parts.append(_text((left + right) / 2, height - 6, text["axis_time"], anchor="middle", size=11))
    return "".join(parts) + "</svg>"


def fatigue(values: Mapping[str, Any], text: Mapping[str, str]) -> str:
    """Two bar pairs, first vs last third of the round: strikes per minute and mean hand speed."""
    panels = (
        (text["per_min"], "first_third_strikes_per_minute", "last_third_strikes_per_minute", "rate_change_pct"),
        (text["speed_mps"], "first_third_mean_speed_mps", "last_third_mean_speed_mps", "speed_change_pct"),
    )
    height, top, bottom = 230, 56, 186
    desc = []
    parts: list[str] = []
    for p, (label, first_key, last_key, change_key) in enumerate(panels):
        first, last, change = num(values.get(first_key)), num(values.get(last_key)), num(values.get(change_key))
        x0 = p * _NARROW / 2
        scale = max(first or 0.0, last or 0.0) or 1.0
        change_txt = "—" if change is None else f"{change:+.0f}%"
        desc.append(f"{label}: {_fmt(first)} → {_fmt(last)} ({change_txt})")
        parts.append(_text(x0 + 105, 18, label, anchor="middle", size=13, extra=' font-weight="600"'))
        colour = "#3c4043" if change is None or abs(change) < 5 else ("#1e8e3e" if change > 0 else "#c5221f")
        parts.append(_text(x0 + 105, 36, change_txt, anchor="middle", size=12, fill=colour))
        for b, (name, value, fill) in enumerate(((text["first"], first, "#9aa8c7"), (text["last"], last, "#34495e"))):
            x = x0 + 25 + b * 100
            bar = 0.0 if value is None else (bottom - top) * max(value, 0.0) / scale
            parts.append(
                f'<rect x="{_g(x)}" y="{_g(bottom - bar)}" width="60" height="{_g(bar)}" rx="3" fill="{fill}">'
                f"<title>{escape(name)}: {_fmt(value)}</title></rect>"
            )
            parts.append(_text(x + 30, bottom - bar - 6, _fmt(value), anchor="middle", size=12))
            parts.append(_text(x + 30, bottom + 18, name, anchor="middle", size=11))
        parts.append(f'<line x1="{_g(x0 + 12)}" y1="{bottom}" x2="{_g(x0 + 198)}" y2="{bottom}" {_AXIS}/>')
    return _open("chart-fatigue", text["fatigue"], "; ".join(desc), _NARROW, height) + "".join(parts) + "</svg>"


def guard_gauge(share: Any, guard_drops: Any, text: Mapping[str, str]) -> str:  # noqa: ANN401 - JSON values
    """A half-circle gauge of guard discipline (0-1 share), with the number of guard drops under it."""
    value = num(share)
    cx, cy, r, height = _NARROW / 2, 150, 110, 200
    pct = "—" if value is None else f"{100 * value:.0f}%"
    parts = [_open("chart-guard", text["guard"], pct, _NARROW, height)]
    parts.append(
        f'<path d="M {_g(cx - r)} {cy} A {r} {r} 0 0 1 {_g(cx + r)} {cy}" fill="none" stroke="#e6e8eb" '
        'stroke-width="22" stroke-linecap="round"/>'
    )
    if value is not None and value > 0:
        v = min(value, 1.0)
        x, y = cx - r * math.cos(math.pi * v), cy - r * math.sin(math.pi * v)
        colour = "#1e8e3e" if v >= 0.8 else ("#d99a00" if v >= 0.6 else "#c5221f")
        parts.append(
            f'<path d="M {_g(cx - r)} {cy} A {r} {r} 0 0 1 {_g(x)} {_g(y)}" fill="none" stroke="{colour}" '
            'stroke-width="22" stroke-linecap="round"/>'
        )
    parts.append(_text(cx, cy - 12, pct, anchor="middle", size=34, extra=' font-weight="700"'))
    parts.append(_text(cx - r, cy + 28, "0%", anchor="middle", size=11))
    parts.append(_text(cx + r, cy + 28, "100%", anchor="middle", size=11))
    drops = num(guard_drops)
    if drops is not None:
        parts.append(_text(cx, cy + 28, f"{text['guard_drops']}: {drops:.0f}", anchor="middle", size=12))
    return "".join(parts) + "</svg>"


def timeline(
    stamps: Sequence[Mapping[str, Any]],
    duration_s: float,
    lost_spans_s: Sequence[Any],
    text: Mapping[str, str],
    kinds: Mapping[str, str],
) -> str:
    """One lane per category over the round, one mark per stamp (a link to its table row ``#stamp-<i>``)."""
    times = [t for s in stamps for t in (num(s.get("t_end_s")), num(s.get("t_peak_s"))) if t is not None]
    end_s = max([duration_s, *times]) or 1.0
    left, right, top, lane = 92, _WIDE - 22, 8, 30
    bottom = top + lane * len(CATEGORIES)
    height = bottom + 42
    scale = _Scale(0.0, end_s, left, right)

    def x_of(t_s: float) -> float:
        return scale(min(max(t_s, 0.0), end_s))

    parts = [_open("chart-timeline", text["timeline"], f"{len(stamps)} {text['stamps_word']}", _WIDE, height)]
    parts.append(
        '<defs><pattern id="lost-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#c9ccd1"/></pattern></defs>'
    )
    for i, category in enumerate(CATEGORIES):
        y = top + i * lane
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{right - left}" height="{lane - 6}" rx="4" fill="#f1f3f5"/>')
        parts.append(_text(left - 8, y + lane / 2 + 4, text[f"cat_{category}"], anchor="end", size=12))
    for span in lost_spans_s:
        if isinstance(span, Sequence) and not isinstance(span, str) and len(span) == 2:
            a, b = num(span[0]), num(span[1])
            if a is not None and b is not None and b > a:
                parts.append(
                    f'<rect x="{_g(x_of(a))}" y="{top}" width="{_g(max(x_of(b) - x_of(a), 1.0))}" '
                    f'height="{bottom - top}" fill="url(#lost-hatch)"><title>{escape(text["lost"])} '
                    f"{clock(a, tenths=True)}&ndash;{clock(b, tenths=True)}</title></rect>"
                )
    for index, s in enumerate(stamps):
        peak = num(s.get("t_peak_s"))
        if peak is None:
            continue
        start, end = _or(num(s.get("t_start_s")), peak), _or(num(s.get("t_end_s")), peak)
        category = str(s.get("category", ""))
        lane_i = CATEGORIES.index(category) if category in CATEGORIES else 0
        x, width = x_of(min(start, peak)), max(x_of(max(end, peak)) - x_of(min(start, peak)), 3.0)
        kind = str(s.get("kind", ""))
        parts.append(
            f'<a href="#stamp-{index}"><rect class="mark" x="{_g(x)}" y="{top + lane_i * lane + 5}" '
            f'width="{_g(width)}" height="{lane - 10}" rx="2" fill="{CATEGORY_COLOURS.get(category, OTHER_COLOUR)}">'
            f"<title>{escape(kinds.get(kind, kind))} {clock(peak, tenths=True)}</title></rect></a>"
        )
    for tick in _time_ticks(end_s):
        x = x_of(tick)
        parts.append(f'<line x1="{_g(x)}" y1="{bottom}" x2="{_g(x)}" y2="{bottom + 4}" {_AXIS}/>')
        parts.append(_text(x, bottom + 17, clock(tick), anchor="middle", size=11))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" {_AXIS}/>')
    parts.append(_text((left + right) / 2, height - 4, text["axis_time"], anchor="middle", size=11))
    return "".join(parts) + "</svg>"
