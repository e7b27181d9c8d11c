"""report.html: one self-contained page per report (docs/formats.md), readable offline and without JavaScript.

Inline CSS, inline SVG charts (:mod:`punch_adapters.report_html.charts`), thumbnails as ``data:`` URIs: the page loads
nothing from the network. Every string taken from the report is escaped, since coaching text may come from an LLM;
numbers are re-formatted from floats, so a malformed field shows as ``—`` instead of breaking the page.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from punch_adapters.report_html import charts
from punch_adapters.report_html.charts import clock, num

__all__ = ["render_report_html"]

_EN = {
    "title": "Sparring report", "duration": "Duration", "fps": "Frame rate", "size": "Frame size", "source": "Video",
    "height": "Height", "weight": "Weight", "stance": "Stance", "experience": "Level", "coach": "Coach",
    "offline": "offline rules", "llm": "AI coach", "warnings": "Check the recording", "coverage": "Pose coverage",
    "strikes": "Strikes", "per_min": "Strikes / min", "mean_speed": "Mean hand speed", "peak_speed": "Peak hand speed",
    "guard": "Guard discipline", "head": "Head moves / min", "return": "Return to guard", "combos": "Combinations",
    "mix": "Punch mix", "work": "Work rate", "speeds": "Speed per punch", "fatigue": "Fatigue: first vs last third",
    "timeline": "Timeline", "axis_count": "Strikes", "axis_work": "Strikes per 10 s", "axis_time": "Time (mm:ss)",
    "axis_speed": "Peak hand speed (m/s)", "mean": "mean", "first": "First third", "last": "Last third",
    "speed_mps": "Mean hand speed (m/s)", "guard_drops": "Guard drops", "none": "No strikes",
    "cat_strike": "Strikes", "cat_defense": "Defence", "cat_fault": "Faults", "lost": "Boxer not tracked",
    "stamps_word": "stamps", "stamps": "Every stamp", "time": "Time", "kind": "Move", "hand": "Hand", "side": "Side",
    "speed": "Speed (m/s)", "confidence": "Confidence", "no_stamps": "No stamps in this round.",
    "coaching": "Coaching", "strengths": "Strengths", "improvements": "To improve", "drills": "Drills",
    "goal": "Next session goal", "thumbs": "Frames", "patterns": "Most used combinations",
    "footer": "Made by PunchAnalytics from the pose track alone; numbers are estimates from one camera.",
}  # fmt: skip
_KO = {
    "title": "스파링 리포트", "duration": "길이", "fps": "프레임 레이트", "size": "화면 크기", "source": "영상",
    "height": "키", "weight": "체중", "stance": "스탠스", "experience": "수준", "coach": "코치",
    "offline": "오프라인 규칙", "llm": "AI 코치", "warnings": "녹화 확인", "coverage": "포즈 인식률",
    "strikes": "타격 수", "per_min": "분당 타격", "mean_speed": "평균 손 속도", "peak_speed": "최고 손 속도",
    "guard": "가드 유지율", "head": "분당 헤드 무브", "return": "가드 복귀 시간", "combos": "콤비네이션",
    "mix": "펀치 구성", "work": "시간대별 타격량", "speeds": "펀치별 속도", "fatigue": "체력 변화: 처음과 마지막 1/3",
    "timeline": "타임라인", "axis_count": "타격 수", "axis_work": "10초당 타격", "axis_time": "시간 (분:초)",
    "axis_speed": "최고 손 속도 (m/s)", "mean": "평균", "first": "처음 1/3", "last": "마지막 1/3",
    "speed_mps": "평균 손 속도 (m/s)", "guard_drops": "가드 내림", "none": "타격 없음",
    "cat_strike": "타격", "cat_defense": "방어", "cat_fault": "실수", "lost": "선수 추적 실패",
    "stamps_word": "개 기록", "stamps": "전체 기록", "time": "시간", "kind": "동작", "hand": "손", "side": "방향",
    "speed": "속도 (m/s)", "confidence": "신뢰도", "no_stamps": "이 라운드에는 기록이 없습니다.",
    "coaching": "코칭", "strengths": "강점", "improvements": "개선할 점", "drills": "훈련",
    "goal": "다음 세션 목표", "thumbs": "장면", "patterns": "자주 쓴 콤비네이션",
    "footer": "PunchAnalytics가 포즈 데이터만으로 만든 리포트입니다. 수치는 카메라 한 대로 잰 추정값입니다.",
}  # fmt: skip
_WORDS_KO = {
    "jab": "잽", "cross": "크로스", "lead_hook": "리드 훅", "rear_hook": "리어 훅", "lead_uppercut": "리드 어퍼컷",
    "rear_uppercut": "리어 어퍼컷", "slip": "슬립", "duck": "덕킹", "pull_back": "풀백", "guard_drop": "가드 내림",
    "lead": "리드", "rear": "리어", "left": "왼쪽", "right": "오른쪽", "orthodox": "오소독스", "southpaw": "사우스포",
    "beginner": "초급", "intermediate": "중급", "advanced": "상급",
}  # fmt: skip
_KINDS = (*charts.STRIKE_KINDS, "slip", "duck", "pull_back", "guard_drop")
_CHIP_MATCH_S = 0.5  # an evidence time links to the stamp peaking this close to it

_CSS = """
:root{--bg:#f2f3f6;--card:#fff;--ink:#1f2328;--muted:#5f6670;--line:#e3e6ea}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Apple SD Gothic Neo","Noto Sans KR","Malgun Gothic",sans-serif;-webkit-text-size-adjust:100%}
main{max-width:1080px;margin:0 auto;padding:12px 12px 40px}
h1{margin:0 0 10px;font-size:1.55rem;line-height:1.2}h2{margin:0 0 10px;font-size:1.1rem}
h3{margin:14px 0 6px;font-size:.95rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.top{background:linear-gradient(135deg,#1f2a44,#3b4f6b);color:#fff;border-radius:16px;padding:18px 16px}
.facts{display:flex;flex-wrap:wrap;gap:6px;margin:0}
.facts div{background:#ffffff22;border-radius:999px;padding:2px 10px;font-size:.84rem}
.facts dt{display:inline;opacity:.75}.facts dd{display:inline;margin:0 0 0 4px;font-weight:600}
.card{background:var(--card);border-radius:14px;padding:14px;box-shadow:0 1px 2px #0000000f,0 3px 10px #0000000a}
main>section{margin-top:14px}
.warn{background:#fff6d1;border:1px solid #f1c232;border-left:6px solid #e0a800;border-radius:12px;padding:10px 14px}
.warn h2{color:#7a5a00}.warn ul{margin:0;padding-left:20px}
.k{font-size:.82rem;color:var(--muted)}
.meter{height:8px;background:#e6e8eb;border-radius:99px;overflow:hidden;margin-top:6px}
.meter span{display:block;height:100%;background:#1e8e3e}.meter.low span{background:#d99a00}
.metrics{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:10px}
.metric .v{display:block;font-size:1.55rem;font-weight:700;font-variant-numeric:tabular-nums}
.metric .u{font-size:.85rem;font-weight:500;color:var(--muted);margin-left:3px}
.charts{display:grid;grid-template-columns:minmax(0,1fr);gap:14px}
.chart{display:block;width:100%;height:auto}.chart text{font-family:inherit}
.scroll{overflow-x:auto}.scroll .wide-chart{min-width:600px}
.tablewrap{overflow-x:auto;margin-top:10px}
table{width:100%;border-collapse:collapse;font-size:.88rem;font-variant-numeric:tabular-nums}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right}tbody tr:target{background:#fff3c4}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px}
.chip{display:inline-block;border-radius:999px;background:#e8edf7;color:#1f2a44;padding:1px 9px;margin:4px 4px 0 0;
font-size:.8rem;text-decoration:none;font-variant-numeric:tabular-nums}a.chip:hover{background:#cdd8f0}
.points{list-style:none;margin:0;padding:0}
.points li{padding:8px 10px;margin:6px 0;border-radius:8px;background:#f7f8fa}
.good li{border-left:4px solid #1e8e3e}.fix li{border-left:4px solid #d9482b}
.goal{background:#eef6ee;border-radius:10px;padding:10px 12px;font-weight:600}
.thumbs{display:flex;gap:10px;overflow-x:auto;scroll-snap-type:x mandatory;padding-bottom:4px}
.thumbs figure{margin:0;flex:0 0 auto;scroll-snap-align:start}
.thumbs img{display:block;height:150px;width:auto;border-radius:10px}
figcaption{font-size:.8rem;color:var(--muted);text-align:center;font-variant-numeric:tabular-nums}
footer{margin-top:18px;font-size:.8rem;color:var(--muted);text-align:center}
@media (min-width:640px){.metrics{grid-template-columns:repeat(4,minmax(0,1fr))}main{padding:20px 16px 48px}}
@media (min-width:860px){.charts{grid-template-columns:repeat(2,minmax(0,1fr))}.wide{grid-column:1/-1}}
@media print{body{background:#fff}.card{box-shadow:none;border:1px solid var(--line)}.thumbs{flex-wrap:wrap}}
"""


def _mapping(value: Any) -> Mapping[str, Any]:  # noqa: ANN401 - any JSON value
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Mapping[str, Any]]:  # noqa: ANN401 - any JSON value
    """The objects of a JSON list; anything else (null, a string, a number) counts as empty."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _list(value: Any) -> list[Any]:  # noqa: ANN401 - any JSON value
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str | bytes) else []


class _Words:
    """The page's labels and translated report words for one language."""

    def __init__(self, language: str) -> None:
        self.ko = language == "ko"
        self.text = _KO if self.ko else _EN
        self.kinds = {kind: self.raw(kind) for kind in _KINDS}

    def raw(self, word: str) -> str:
        """A report word (kind, hand, stance ...) in this language, not escaped."""
        if self.ko and word in _WORDS_KO:
            return _WORDS_KO[word]
        return word.replace("_", " ").capitalize()

    def word(self, value: Any) -> str:  # noqa: ANN401 - any JSON value
        """A report word in this language, escaped; ``—`` for null, ``none`` or empty."""
        return "—" if value in (None, "", "none") else escape(self.raw(str(value)))

    def __getitem__(self, key: str) -> str:
        return escape(self.text[key])


def _value(value: Any, fmt: str, unit: str = "", scale: float = 1.0) -> str:  # noqa: ANN401 - any JSON value
    number = num(value)
    if number is None:
        return "—"
    return format(number * scale, fmt) + (f'<span class="u">{escape(unit)}</span>' if unit else "")


def _header(report: Mapping[str, Any], w: _Words, heading: str) -> str:
    video, body, coaching = (_mapping(report.get(k)) for k in ("video", "body", "coaching"))
    facts: list[tuple[str, str]] = []
    if isinstance(video.get("source"), str) and video["source"]:
        facts.append((w["source"], escape(video["source"].replace("\\", "/").rsplit("/", 1)[-1])))
    facts.append((w["duration"], clock(video.get("duration_s"), tenths=True)))
    if num(video.get("fps")) is not None:
        facts.append((w["fps"], _value(video.get("fps"), ".0f") + " fps"))
    width, height = num(video.get("width")), num(video.get("height"))
    if width is not None and height is not None:
        facts.append((w["size"], f"{width:.0f}&times;{height:.0f}"))
    if num(body.get("height_cm")) is not None:
        facts.append((w["height"], _value(body.get("height_cm"), ".0f") + " cm"))
    if num(body.get("weight_kg")) is not None:
        facts.append((w["weight"], _value(body.get("weight_kg"), ".0f") + " kg"))
    facts += [(w["stance"], w.word(body.get("stance"))), (w["experience"], w.word(body.get("experience")))]
    source = str(coaching.get("source") or "")
    coach = w[source] if source in ("offline", "llm") else escape(source) or "—"
    if source == "llm" and coaching.get("model"):
        coach += f" ({escape(str(coaching['model']))})"
    facts.append((w["coach"], coach))
    items = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    return f'<header class="top"><h1>{heading}</h1><dl class="facts">{items}</dl></header>'


def _quality(quality: Mapping[str, Any], w: _Words) -> str:
    out = []
    warnings = [quality["warnings"]] if isinstance(quality.get("warnings"), str) else _list(quality.get("warnings"))
    if warnings:
        items = "".join(f"<li>{escape(str(text))}</li>" for text in warnings)
        out.append(f'<section class="warn" role="note" aria-label="{w["warnings"]}"><h2>⚠ {w["warnings"]}</h2>')
        out.append(f"<ul>{items}</ul></section>")
    coverage = num(quality.get("pose_coverage"))
    if coverage is not None:
        pct = f"{100 * min(max(coverage, 0.0), 1.0):.0f}%"
        low = " low" if coverage < 0.9 else ""
        out.append(
            f'<section class="card"><span class="k">{w["coverage"]}</span> <b>{pct}</b>'
            f'<div class="meter{low}" role="img" aria-label="{w["coverage"]} {pct}">'
            f'<span style="width:{pct}"></span></div></section>'
        )
    return "".join(out)


def _metric_cards(metrics: Mapping[str, Any], w: _Words) -> str:
    cards = [
        (w["strikes"], _value(metrics.get("strikes_total"), ".0f")),
        (w["per_min"], _value(metrics.get("strikes_per_minute"), ".1f")),
        (w["mean_speed"], _value(metrics.get("mean_hand_speed_mps"), ".1f", "m/s")),
        (w["peak_speed"], _value(metrics.get("peak_hand_speed_mps"), ".1f", "m/s")),
        (w["guard"], _value(metrics.get("guard_discipline"), ".0f", "%", 100.0)),
        (w["head"], _value(metrics.get("head_movements_per_minute"), ".1f")),
        (w["return"], _value(metrics.get("mean_return_to_guard_s"), ".2f", "s")),
        (w["combos"], _value(_mapping(metrics.get("combinations")).get("total"), ".0f")),
    ]
    items = "".join(
        f'<div class="card metric"><span class="v">{v}</span><span class="k">{k}</span></div>' for k, v in cards
    )
    return f'<section class="metrics">{items}</section>'


def _charts(metrics: Mapping[str, Any], w: _Words, stamps: list[Mapping[str, Any]], duration_s: float) -> str:
    patterns = [
        f'<span class="chip">{escape(str(p.get("pattern", "")))} &times;{_value(p.get("count"), ".0f")}</span>'
        for p in _items(_mapping(metrics.get("combinations")).get("patterns"))[:6]
    ]
    mix = f"<h3>{w['patterns']}</h3><p>{''.join(patterns)}</p>" if patterns else ""
    speed = charts.speed_per_punch(stamps, duration_s, w.text, w.kinds)
    cards = [
        ("", w["mix"], charts.punch_mix(_mapping(metrics.get("counts")), w.text, w.kinds) + mix),
        ("", w["guard"], charts.guard_gauge(metrics.get("guard_discipline"), metrics.get("guard_drops"), w.text)),
        ("", w["work"], charts.work_rate(_items(metrics.get("work_rate")), w.text)),
        ("", w["fatigue"], charts.fatigue(_mapping(metrics.get("fatigue")), w.text)),
        (" wide", w["speeds"], f'<div class="scroll">{speed}</div>'),
    ]
    items = "".join(f'<div class="card{extra}"><h2>{title}</h2>{body}</div>' for extra, title, body in cards)
    return f'<section class="charts">{items}</section>'


def _stamp_table(stamps: list[Mapping[str, Any]], w: _Words) -> str:
    if not stamps:
        return f"<p>{w['no_stamps']}</p>"
    head = (
        f"<tr><th>{w['time']}</th><th>{w['kind']}</th><th>{w['hand']}</th><th>{w['side']}</th>"
        f'<th class="n">{w["speed"]}</th><th class="n">{w["confidence"]}</th></tr>'
    )
    rows = []
    for i, s in enumerate(stamps):
        kind = str(s.get("kind", ""))
        rows.append(
            f'<tr id="stamp-{i}"><td>{clock(s.get("t_peak_s"), tenths=True)}</td>'
            f'<td><span class="dot" style="background:{charts.kind_colour(kind)}"></span>{w.word(kind)}</td>'
            f"<td>{w.word(s.get('hand'))}</td><td>{w.word(s.get('side'))}</td>"
            f'<td class="n">{_value(s.get("peak_speed_mps"), ".1f")}</td>'
            f'<td class="n">{_value(s.get("confidence"), ".0f", "%", 100.0)}</td></tr>'
        )
    return f'<div class="tablewrap"><table><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>'


def _chips(times: Any, peaks: list[float | None]) -> str:  # noqa: ANN401 - any JSON value
    """Evidence times as mm:ss chips, each a link to the stamp peaking nearest to it when one is close."""
    out = ["<br>"]
    for t_s in (num(t) for t in _list(times)):
        if t_s is None:
            continue
        near = [(abs(p - t_s), i) for i, p in enumerate(peaks) if p is not None and abs(p - t_s) <= _CHIP_MATCH_S]
        if near:
            out.append(f'<a class="chip" href="#stamp-{min(near)[1]}">{clock(t_s)}</a>')
        else:
            out.append(f'<span class="chip">{clock(t_s)}</span>')
    return "".join(out) if len(out) > 1 else ""


def _coaching(coaching: Mapping[str, Any], w: _Words, peaks: list[float | None]) -> str:
    out = [f'<section class="card"><h2>{w["coaching"]}</h2>']
    if coaching.get("summary"):
        out.append(f"<p>{escape(str(coaching['summary']))}</p>")
    for key, css in (("strengths", "good"), ("improvements", "fix")):
        points = _items(coaching.get(key))
        if points:
            items = "".join(
                f"<li>{escape(str(p.get('text', '')))}{_chips(p.get('evidence_t_s'), peaks)}</li>" for p in points
            )
            out.append(f'<h3>{w[key]}</h3><ul class="points {css}">{items}</ul>')
    drills = _items(coaching.get("drills"))
    if drills:
        items = "".join(
            f"<li><b>{escape(str(d.get('name', '')))}</b><br>{escape(str(d.get('description', '')))}</li>"
            for d in drills
        )
        out.append(f'<h3>{w["drills"]}</h3><ul class="points">{items}</ul>')
    if coaching.get("next_session_goal"):
        out.append(f'<h3>{w["goal"]}</h3><p class="goal">🎯 {escape(str(coaching["next_session_goal"]))}</p>')
    return "".join(out) + "</section>"


def _thumbnails(thumbnails: Sequence[tuple[float, bytes]], w: _Words) -> str:
    figures = []
    for t_s, image in thumbnails:
        mime = "image/png" if image[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
        data = base64.b64encode(image).decode("ascii")
        stamp = clock(t_s, tenths=True)
        figures.append(
            f'<figure><img src="data:{mime};base64,{data}" alt="{w["thumbs"]} {stamp}" loading="lazy">'
            f"<figcaption>{stamp}</figcaption></figure>"
        )
    return f'<section class="card"><h2>{w["thumbs"]}</h2><div class="thumbs">{"".join(figures)}</div></section>'


def render_report_html(
    report: Mapping[str, Any], *, thumbnails: Sequence[tuple[float, bytes]] = (), title: str | None = None
) -> str:
    """Renders a report as one self-contained HTML5 page.

    The page needs no network and no JavaScript: CSS and SVG charts are inline and thumbnails are ``data:`` URIs.
    Labels are Korean when ``report["coaching"]["language"]`` is ``"ko"``, English otherwise. Missing or null
    optional fields show as ``—`` or leave their section out; nothing from the report reaches the page unescaped.

    Args:
        report: The report document (docs/formats.md, schema 1.x).
        thumbnails: ``(t_s, image bytes)`` pairs, JPEG (or PNG), shown as a strip with their times.
        title: The page heading; default "Sparring report" in the report's language.

    Returns:
        The page, a complete HTML document ending in a newline.
    """
    coaching = _mapping(report.get("coaching"))
    metrics = _mapping(report.get("metrics"))
    language = "ko" if coaching.get("language") == "ko" else "en"
    w = _Words(language)
    heading = escape(title) if title else w["title"]
    stamps = _items(report.get("stamps"))
    video, quality = _mapping(report.get("video")), _mapping(report.get("quality"))
    duration_s = num(video.get("duration_s")) or num(metrics.get("duration_s")) or 0.0
    peaks = [num(s.get("t_peak_s")) for s in stamps]
    lost = _list(quality.get("lost_spans_s"))
    timeline = charts.timeline(stamps, duration_s, lost, w.text, w.kinds)
    parts = [
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{heading}</title><style>{_CSS}</style></head><body><main>",
        _header(report, w, heading),
        _quality(quality, w),
        _metric_cards(metrics, w),
        _charts(metrics, w, stamps, duration_s),
        f'<section class="card"><h2>{w["timeline"]}</h2><div class="scroll">{timeline}</div>',
        f"<h3>{w['stamps']}</h3>{_stamp_table(stamps, w)}</section>",
        _coaching(coaching, w, peaks),
        _thumbnails(thumbnails, w) if thumbnails else "",
        f"<footer>{w['footer']}</footer></main></body></html>\n",
    ]
    return "".join(parts)
