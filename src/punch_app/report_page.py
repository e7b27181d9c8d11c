"""report.html: one self-contained page (inline CSS and SVG, thumbnails as data URIs, no network) per report.

Every string taken from the report is escaped: coaching text may come from an LLM.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

STRIKES = ("jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut")
COLOURS = {"strike": "#e4572e", "defense": "#2e86de", "fault": "#f0a202"}
LABELS = {
    "en": {
        "title": "Sparring report", "strikes": "Strikes", "per_min": "Strikes / min", "speed": "Mean hand speed",
        "peak": "Peak hand speed", "guard": "Guard discipline", "head": "Head moves / min", "return": "Return to guard",
        "combos": "Combinations", "mix": "Punch mix", "work": "Work rate (strikes per 10 s)",
        "speeds": "Speed per punch (m/s)", "timeline": "Timeline", "stamps": "Every stamp", "coaching": "Coaching",
        "strengths": "Strengths", "improve": "To improve", "drills": "Drills", "goal": "Next session goal",
        "thumbs": "Frames", "time": "Time", "kind": "Move", "hand": "Hand", "conf": "Confidence",
        "coverage": "Pose coverage", "warnings": "Warnings",
    },
    "ko": {
        "title": "스파링 리포트", "strikes": "타격 수", "per_min": "분당 타격", "speed": "평균 손 속도",
        "peak": "최고 손 속도", "guard": "가드 유지율", "head": "분당 헤드 무브", "return": "가드 복귀 시간",
        "combos": "콤비네이션", "mix": "펀치 구성", "work": "작업량 (10초당 타격)", "speeds": "펀치별 속도 (m/s)",
        "timeline": "타임라인", "stamps": "전체 기록", "coaching": "코칭", "strengths": "강점", "improve": "개선할 점",
        "drills": "훈련", "goal": "다음 세션 목표", "thumbs": "프레임", "time": "시간", "kind": "동작", "hand": "손",
        "conf": "신뢰도", "coverage": "포즈 인식률", "warnings": "주의",
    },
}  # fmt: skip
KINDS_KO = {
    "jab": "잽", "cross": "크로스", "lead_hook": "리드 훅", "rear_hook": "리어 훅", "lead_uppercut": "리드 어퍼컷",
    "rear_uppercut": "리어 어퍼컷", "slip": "슬립", "duck": "덕킹", "pull_back": "풀백", "guard_drop": "가드 내림",
}  # fmt: skip
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR",sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:960px;margin:auto;padding:16px}h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.15rem;margin:1.2em 0 .5em}
.facts{color:#555;font-size:.9rem}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px}
.card,.panel{background:#fff;border-radius:12px;padding:12px;box-shadow:0 1px 3px #0002}.card b{display:block;font-size:1.4rem}
.card span{font-size:.8rem;color:#555}.warn{background:#fff4d6;border:1px solid #f0c24b;border-radius:12px;padding:10px 14px}
svg{width:100%;height:auto}table{width:100%;border-collapse:collapse;font-size:.85rem}td,th{padding:4px 6px;border-bottom:1px solid #eee;text-align:left}
.chip{display:inline-block;background:#e8eefc;border-radius:10px;padding:0 6px;margin:0 2px;font-size:.8rem}
.thumbs{display:flex;gap:8px;overflow-x:auto}.thumbs figure{margin:0}.thumbs img{height:140px;border-radius:8px}
figcaption{font-size:.75rem;color:#555;text-align:center}
"""


def _clock(t_s: float) -> str:
    minutes, seconds = divmod(max(float(t_s), 0.0), 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def _num(value: Any, fmt: str, unit: str = "") -> str:  # noqa: ANN401 - a JSON value
    return "—" if value is None else escape(format(value, fmt) + unit)


def _kind(kind: str, lang: str) -> str:
    return escape(KINDS_KO.get(kind, kind) if lang == "ko" else kind.replace("_", " "))


def _bars(title: str, items: Sequence[tuple[str, float]], colour: str) -> str:
    """A labelled vertical bar chart."""
    w, h, pad = 600, 220, 30
    top = max((v for _, v in items), default=0) or 1
    step = (w - 2 * pad) / max(len(items), 1)
    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts.append(f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>')
    for i, (label, value) in enumerate(items):
        bh = (h - 2 * pad - 14) * value / top
        x = pad + i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{h - pad - bh:.1f}" width="{step * 0.7:.1f}" height="{bh:.1f}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{h - pad - bh - 4:.1f}" font-size="12" text-anchor="middle">{value:g}</text>'
        )
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{h - 10}" font-size="11" text-anchor="middle">{label}</text>')
    return "".join(parts) + "</svg>"


def _speed_chart(title: str, stamps: Sequence[Mapping[str, Any]], duration_s: float) -> str:
    w, h, pad = 600, 200, 30
    hits = [s for s in stamps if s.get("category") == "strike" and s.get("peak_speed_mps") is not None]
    top = max((float(s["peak_speed_mps"]) for s in hits), default=1.0) or 1.0
    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>',
             f'<text x="{pad}" y="14" font-size="11">{top:.1f} m/s</text>']  # fmt: skip
    for s in hits:
        x = pad + (w - 2 * pad) * float(s["t_peak_s"]) / max(duration_s, 1e-6)
        y = h - pad - (h - 2 * pad) * float(s["peak_speed_mps"]) / top
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS["strike"]}"><title>{escape(str(s["kind"]))} '
                     f'{_clock(s["t_peak_s"])} {float(s["peak_speed_mps"]):.1f} m/s</title></circle>')  # fmt: skip
    parts.append(f'<text x="{w - pad}" y="{h - 10}" font-size="11" text-anchor="end">{_clock(duration_s)}</text>')
    return "".join(parts) + "</svg>"


def _timeline(title: str, stamps: Sequence[Mapping[str, Any]], duration_s: float, lang: str) -> str:
    w, lane, pad = 600, 26, 10
    lanes = ("strike", "defense", "fault")
    h = lane * len(lanes) + 24
    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    parts.extend(
        f'<rect x="{pad}" y="{i * lane + 4}" width="{w - 2 * pad}" height="{lane - 8}" fill="#eef0f3" rx="4"/>'
        for i in range(len(lanes))
    )
    for s in stamps:
        i = lanes.index(s["category"]) if s.get("category") in lanes else 0
        x = pad + (w - 2 * pad) * float(s["t_peak_s"]) / max(duration_s, 1e-6)
        parts.append(f'<rect x="{x - 2:.1f}" y="{i * lane + 4}" width="4" height="{lane - 8}" fill="{COLOURS.get(s.get("category", ""), "#555")}">'
                     f'<title>{_kind(str(s["kind"]), lang)} {_clock(s["t_peak_s"])}</title></rect>')  # fmt: skip
    parts.append(f'<text x="{pad}" y="{h - 4}" font-size="11">0:00.0</text>')
    parts.append(f'<text x="{w - pad}" y="{h - 4}" font-size="11" text-anchor="end">{_clock(duration_s)}</text>')
    return "".join(parts) + "</svg>"


def _advice(items: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for item in items:
        chips = "".join(f'<span class="chip">{_clock(t)}</span>' for t in item.get("evidence_t_s", []))
        rows.append(f"<li>{escape(str(item.get('text', '')))} {chips}</li>")
    return "<ul>" + "".join(rows) + "</ul>"


def render_report_html(
    report: Mapping[str, Any], *, thumbnails: Sequence[tuple[float, bytes]] = (), title: str | None = None
) -> str:
    """The report as one self-contained HTML page.

    Args:
        report: The report document (docs/formats.md).
        thumbnails: (time in seconds, JPEG bytes) pairs to show as a strip.
        title: Page title; default "Sparring report" in the coaching language.
    """
    coaching: Mapping[str, Any] = report.get("coaching") or {}
    lang = "ko" if coaching.get("language") == "ko" else "en"
    t = LABELS[lang]
    video: Mapping[str, Any] = report.get("video") or {}
    quality: Mapping[str, Any] = report.get("quality") or {}
    metrics: Mapping[str, Any] = report.get("metrics") or {}
    body: Mapping[str, Any] = report.get("body") or {}
    stamps: Sequence[Mapping[str, Any]] = report.get("stamps") or []
    duration = float(video.get("duration_s") or metrics.get("duration_s") or 0.0)
    heading = escape(title or t["title"])
    out = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>{heading}</title><style>{CSS}</style></head><body><main>", f"<h1>{heading}</h1>"]  # fmt: skip
    facts = [_clock(duration), f"{_num(video.get('fps'), '.0f')} fps", f"{video.get('width')}x{video.get('height')}"]
    if video.get("source"):
        facts.insert(0, str(video["source"]))
    facts += [f"{body.get('height_cm')} cm", str(body.get("stance", "")), f"coach: {coaching.get('source', '')}"]
    out.append(f'<p class="facts">{escape(" · ".join(facts))}</p>')
    coverage = quality.get("pose_coverage")
    warnings = quality.get("warnings") or []
    if warnings:
        out.append(f'<div class="warn" role="alert"><b>{t["warnings"]}</b><ul>')
        out += [f"<li>{escape(str(w))}</li>" for w in warnings]
        out.append("</ul></div>")
    guard = metrics.get("guard_discipline")
    cards = [
        (t["strikes"], _num(metrics.get("strikes_total"), "d")),
        (t["per_min"], _num(metrics.get("strikes_per_minute"), ".1f")),
        (t["speed"], _num(metrics.get("mean_hand_speed_mps"), ".1f", " m/s")),
        (t["peak"], _num(metrics.get("peak_hand_speed_mps"), ".1f", " m/s")),
        (t["guard"], _num(None if guard is None else 100 * guard, ".0f", "%")),
        (t["head"], _num(metrics.get("head_movements_per_minute"), ".1f")),
        (t["return"], _num(metrics.get("mean_return_to_guard_s"), ".2f", " s")),
        (t["combos"], _num((metrics.get("combinations") or {}).get("total"), "d")),
        (t["coverage"], _num(None if coverage is None else 100 * coverage, ".0f", "%")),
    ]
    out.append(
        '<section class="cards">'
        + "".join(f'<div class="card"><b>{v}</b><span>{k}</span></div>' for k, v in cards)
        + "</section>"
    )
    counts: Mapping[str, Any] = metrics.get("counts") or {}
    out.append(f'<h2>{t["mix"]}</h2><div class="panel">')
    out.append(_bars(t["mix"], [(_kind(k, lang), float(counts.get(k, 0))) for k in STRIKES], COLOURS["strike"]))
    bins = metrics.get("work_rate") or []
    out.append(f'</div><h2>{t["work"]}</h2><div class="panel">')
    out.append(_bars(t["work"], [(_clock(b["t_start_s"]), float(b["strikes"])) for b in bins], "#6c5ce7"))
    out.append(f'</div><h2>{t["speeds"]}</h2><div class="panel">{_speed_chart(t["speeds"], stamps, duration)}</div>')
    out.append(f'<h2>{t["timeline"]}</h2><div class="panel">{_timeline(t["timeline"], stamps, duration, lang)}</div>')
    out.append(f'<h2>{t["coaching"]}</h2><div class="panel"><p>{escape(str(coaching.get("summary", "")))}</p>')
    out.append(f"<h3>{t['strengths']}</h3>{_advice(coaching.get('strengths') or [])}")
    out.append(f"<h3>{t['improve']}</h3>{_advice(coaching.get('improvements') or [])}<h3>{t['drills']}</h3><ul>")
    out += [
        f"<li><b>{escape(str(d.get('name', '')))}</b>: {escape(str(d.get('description', '')))}</li>"
        for d in coaching.get("drills") or []
    ]
    out.append(f"</ul><h3>{t['goal']}</h3><p>{escape(str(coaching.get('next_session_goal', '')))}</p></div>")
    out.append(f'<h2>{t["stamps"]}</h2><div class="panel"><table><thead><tr><th>{t["time"]}</th><th>{t["kind"]}</th>'
               f'<th>{t["hand"]}</th><th>m/s</th><th>{t["conf"]}</th></tr></thead><tbody>')  # fmt: skip
    for s in stamps:
        side = f" ({escape(str(s['side']))})" if s.get("side") else ""
        out.append(f"<tr><td>{_clock(s['t_peak_s'])}</td><td>{_kind(str(s['kind']), lang)}{side}</td>"
                   f"<td>{escape(str(s.get('hand', '')))}</td><td>{_num(s.get('peak_speed_mps'), '.1f')}</td>"
                   f"<td>{_num(100 * float(s.get('confidence', 0)), '.0f', '%')}</td></tr>")  # fmt: skip
    out.append("</tbody></table></div>")
    if thumbnails:
        out.append(f'<h2>{t["thumbs"]}</h2><div class="thumbs">')
        for t_s, jpeg in thumbnails:
            data = base64.b64encode(jpeg).decode("ascii")
            out.append(
                f'<figure><img alt="{_clock(t_s)}" src="data:image/jpeg;base64,{data}"><figcaption>{_clock(t_s)}</figcaption></figure>'
            )
        out.append("</div>")
    out.append("</main></body></html>\n")
    return "".join(out)
