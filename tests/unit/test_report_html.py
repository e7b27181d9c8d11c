import base64
import copy
import re
from html.parser import HTMLParser

import pytest

from punch_adapters.report_html import render_report_html
from punch_core.body import BodySpecs
from punch_core.coaching import OfflineCoach
from punch_core.report import analyse_track
from punch_core.testing.synthetic import make_round, random_round
from punch_core.track import PoseTrack

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"
_CHARTS = ("chart-mix", "chart-work-rate", "chart-speed", "chart-fatigue", "chart-guard", "chart-timeline")


class _Document(HTMLParser):
    """Checks that elements nest and close in order, attributes are not repeated; records references."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.references: list[str] = []
        self.tags: list[str] = []

    def _element(self, tag, attrs):
        self.tags.append(tag)
        if len({name for name, _ in attrs}) != len(attrs):
            self.errors.append(f"<{tag}> repeats an attribute: {attrs}")
        self.references += [value or "" for name, value in attrs if name in ("src", "href", "xlink:href", "action")]

    def handle_starttag(self, tag, attrs):
        self._element(tag, attrs)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def _parse(page: str) -> _Document:
    document = _Document()
    document.feed(page)
    document.close()
    assert document.errors == []
    assert document.stack == []
    return document


def _clock(t_s: float) -> str:
    minutes, tenths = divmod(round(t_s * 10), 600)
    return f"{minutes:02d}:{tenths / 10:04.1f}"


def _analyse(round_, language="en", video=None):
    track = PoseTrack(t_s=round_.t_s, landmarks=round_.landmarks, width=round_.width, height=round_.height)
    return analyse_track(track, BodySpecs(height_cm=175), OfflineCoach(), language=language, video=video)


@pytest.fixture(scope="module")
def report():
    return _analyse(random_round(seed=3, duration_s=45.0), video={"source": "clips/round1.mp4"})


@pytest.fixture(scope="module")
def report_ko():
    return _analyse(random_round(seed=3, duration_s=45.0), language="ko")


@pytest.fixture(scope="module")
def empty_report():
    return _analyse(make_round(duration_s=8.0, seed=1))


def _table(page: str) -> str:
    return page[page.index("<table") : page.index("</table>")]


def test_page_is_one_self_contained_document(report):
    page = render_report_html(report, thumbnails=[(2.0, _JPEG)])
    assert page.startswith("<!doctype html>")
    assert page.endswith("</html>\n")
    for tag in ("html", "head", "body", "main"):
        assert len(re.findall(rf"<{tag}[\s>]", page)) == 1
    document = _parse(page)
    assert document.references
    assert all(ref.startswith(("#", "data:")) for ref in document.references)
    assert "link" not in document.tags
    assert "script" not in document.tags
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", page)
    assert not re.search(r"url\(\s*[\"']?\s*(?:https?:)?//|@import", page)


def test_header_cards_and_warnings(report):
    warned = copy.deepcopy(report)
    warned["quality"]["warnings"] = ["The boxer is out of frame for 12% of the video - film from further away."]
    page = render_report_html(warned)
    assert "<h1>Sparring report</h1>" in page
    assert "round1.mp4" in page
    assert "clips/" not in page
    assert 'class="warn"' in page
    assert "film from further away" in page
    metrics = report["metrics"]
    assert f"{metrics['strikes_per_minute']:.1f}" in page
    assert f"{100 * metrics['guard_discipline']:.0f}" in page
    assert f"{100 * report['quality']['pose_coverage']:.0f}%" in page
    assert "offline rules" in page
    other = render_report_html(report, title="My round")
    assert "<h1>My round</h1>" in other
    assert 'class="warn"' not in other


def test_table_lists_every_stamp_with_its_time(report):
    assert report["stamps"]
    table = _table(render_report_html(report))
    assert table.count('<tr id="stamp-') == len(report["stamps"])
    for stamp in report["stamps"]:
        assert f"<td>{_clock(stamp['t_peak_s'])}</td>" in table


def test_charts_are_inline_accessible_svgs(report):
    page = render_report_html(report)
    for chart_id in _CHARTS:
        match = re.search(rf'<svg id="{chart_id}"[^>]*>(.*?)</svg>', page, re.DOTALL)
        assert match, chart_id
        assert 'role="img"' in match.group(0)
        assert "<title" in match.group(1)
        assert "<desc" in match.group(1)
    speeds = [s for s in report["stamps"] if s["peak_speed_mps"] is not None]
    assert page.count('class="pt"') == len(speeds)
    assert page.count('class="mark"') == len(report["stamps"])
    for kind in ("Jab", "Cross", "Lead hook", "Rear hook", "Lead uppercut", "Rear uppercut"):
        assert f">{kind}</text>" in page


def test_evidence_times_are_chips(report):
    page = render_report_html(report)
    times = [t for point in report["coaching"]["strengths"] for t in point["evidence_t_s"]]
    assert times
    for t_s in times:
        minutes, seconds = divmod(round(t_s), 60)
        assert re.search(rf'class="chip"[^>]*>{minutes:02d}:{seconds:02d}<', page)
    assert 'class="chip" href="#stamp-' in page


def test_thumbnails_become_data_uris(report):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    page = render_report_html(report, thumbnails=[(1.25, _JPEG), (65.0, png)])
    assert f'src="data:image/jpeg;base64,{base64.b64encode(_JPEG).decode()}"' in page
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
    assert "<figcaption>00:01.2</figcaption>" in page
    assert "<figcaption>01:05.0</figcaption>" in page
    assert "<img" not in render_report_html(report)


def test_korean_labels(report_ko):
    assert report_ko["coaching"]["language"] == "ko"
    page = render_report_html(report_ko)
    assert '<html lang="ko">' in page
    assert "<h1>스파링 리포트</h1>" in page
    for label in ("잽", "크로스", "리드 훅", "리어 훅", "리드 어퍼컷", "리어 어퍼컷", "펀치 구성", "코칭", "타임라인"):
        assert label in page
    for english in ("Punch mix", "Sparring report", "Lead uppercut", "Every stamp"):
        assert english not in page
    names = {"slip": "슬립", "duck": "덕킹", "pull_back": "풀백", "guard_drop": "가드 내림"}
    present = {s["kind"] for s in report_ko["stamps"]} & names.keys()
    assert present
    for kind in present:
        assert names[kind] in _table(page)


def test_every_report_string_is_escaped(report):
    attack = "<script>alert(1)</script>"
    quote = '"><img src=x onerror=alert(2)>'
    hostile = copy.deepcopy(report)
    hostile["coaching"]["summary"] = attack
    hostile["coaching"]["strengths"][0]["text"] = attack + quote
    hostile["coaching"]["drills"] = [{"name": quote, "description": attack}]
    hostile["coaching"]["next_session_goal"] = attack
    hostile["coaching"]["model"] = quote
    hostile["coaching"]["source"] = "llm"
    hostile["quality"]["warnings"] = [attack]
    hostile["video"]["source"] = quote
    hostile["body"]["stance"] = attack
    hostile["stamps"][0]["kind"] = quote
    hostile["stamps"][0]["hand"] = attack
    hostile["stamps"][1]["category"] = quote
    hostile["metrics"]["combinations"]["patterns"] = [{"pattern": attack, "count": 1}]
    hostile["metrics"]["strikes_per_minute"] = attack
    page = render_report_html(hostile, title=quote)
    assert "<script" not in page
    assert "<img" not in page
    assert "onerror=alert(2)>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    _parse(page)


def test_empty_round_renders(empty_report):
    assert empty_report["stamps"] == []
    assert empty_report["metrics"]["strikes_total"] == 0
    assert empty_report["metrics"]["mean_hand_speed_mps"] is None
    page = render_report_html(empty_report)
    _parse(page)
    assert "No stamps in this round." in page
    assert 'class="mark"' not in page
    assert 'class="pt"' not in page
    assert "—" in page
    for chart_id in _CHARTS:
        assert f'<svg id="{chart_id}"' in page


@pytest.mark.parametrize(
    "report",
    [
        {},
        {"schema_version": "1.0"},
        {"video": None, "quality": None, "metrics": None, "coaching": None, "stamps": None, "body": None},
        {
            "video": {"duration_s": "long", "fps": None, "width": True},
            "quality": {"warnings": "one warning", "pose_coverage": float("nan"), "lost_spans_s": [[1, "x"], 3]},
            "metrics": {
                "counts": {"jab": None},
                "work_rate": [None, {"t_start_s": None}],
                "fatigue": {"rate_change_pct": None},
                "combinations": None,
                "guard_discipline": None,
            },
            "stamps": [{"kind": "jab"}, {"t_peak_s": 2.0}, "not a stamp"],
            "coaching": {"language": "ko", "strengths": [{"text": "x", "evidence_t_s": None}], "drills": None},
        },
    ],
)
def test_missing_and_malformed_fields_do_not_crash(report):
    page = render_report_html(report)
    _parse(page)
    assert page.endswith("</html>\n")
    for chart_id in _CHARTS:
        assert f'<svg id="{chart_id}"' in page
