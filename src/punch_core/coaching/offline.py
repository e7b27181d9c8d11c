"""The offline coach: fills the coaching structure from the metrics with documented rules, no LLM needed.

Each rule looks at one metric against a threshold (the constants below) and yields a strength or an
improvement, citing the times of the stamps that show it, plus the drill that trains it. Rules run in a fixed
order of priority (guard first: it is what gets a boxer hurt); the first improvement sets the next goal.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import attrs

from punch_core.coaching.model import Coaching, CoachingPoint, CoachingSource, Drill, Language
from punch_core.coaching.port import Coach, CoachingRequest
from punch_core.metrics import combinations
from punch_core.stamps import Category, Hand, Stamp, StampKind

GUARD_GOOD = 0.85
GUARD_POOR = 0.70
LEAD_SHARE_LOW = 0.35
LEAD_SHARE_GOOD = 0.50
RATE_LOW_PER_MIN = 20.0
RATE_HIGH_PER_MIN = 40.0
HEAD_LOW_PER_MIN = 3.0
HEAD_GOOD_PER_MIN = 6.0
RETURN_SLOW_S = 0.45
RETURN_FAST_S = 0.30
COMBO_LOW_SHARE = 0.30
COMBO_GOOD_SHARE = 0.50
FATIGUE_DROP_PCT = -30.0
MIN_STRIKES_FOR_RATIOS = 6
MAX_EVIDENCE = 5


_TEXT: dict[str, dict[Language, str]] = {
    "guard_poor": {
        Language.EN: "Keep both hands at your chin between punches: your guard was up only {pct}% of the time"
        " and your other hand dropped during {drops} punches.",
        Language.KO: "펀치 사이에 두 손을 턱 높이로 유지하세요. 가드를 올린 시간은 {pct}%였고, "
        "펀치 중 반대 손이 내려간 것이 {drops}번이었습니다.",
    },
    "guard_good": {
        Language.EN: "Disciplined guard: both hands were at your chin {pct}% of the time between punches.",
        Language.KO: "가드가 좋습니다. 펀치 사이 {pct}%의 시간 동안 두 손이 턱 높이에 있었습니다.",
    },
    "lead_low": {
        Language.EN: "Use your jab more: only {pct}% of your punches came from the lead hand.",
        Language.KO: "잽을 더 많이 쓰세요. 앞손 펀치는 전체의 {pct}%뿐이었습니다.",
    },
    "lead_good": {
        Language.EN: "Good use of the lead hand: {pct}% of your punches started from it.",
        Language.KO: "앞손을 잘 활용했습니다. 펀치의 {pct}%가 앞손이었습니다.",
    },
    "rate_low": {
        Language.EN: "Throw more: {rate} punches per minute; aim for 30 or more in sparring.",
        Language.KO: "펀치를 더 많이 던지세요. 분당 {rate}개였습니다. 스파링에서는 30개 이상을 목표로 하세요.",
    },
    "rate_high": {
        Language.EN: "High work rate: {rate} punches per minute.",
        Language.KO: "작업량이 많습니다. 분당 {rate}개의 펀치를 던졌습니다.",
    },
    "head_low": {
        Language.EN: "Move your head: {rate} slips, ducks or pull-backs per minute; make it a habit after every combination.",
        Language.KO: "머리를 움직이세요. 분당 슬립, 더킹, 풀백이 {rate}번이었습니다. 콤비네이션 후마다 습관으로 만드세요.",
    },
    "head_good": {
        Language.EN: "Active head movement: {rate} defensive moves per minute.",
        Language.KO: "머리 움직임이 활발합니다. 분당 {rate}번의 방어 동작을 했습니다.",
    },
    "return_slow": {
        Language.EN: "Bring your hands back faster: {s} s on average from full extension back to guard.",
        Language.KO: "손을 더 빨리 회수하세요. 최대로 뻗은 뒤 가드로 돌아오는 데 평균 {s}초가 걸렸습니다.",
    },
    "return_fast": {
        Language.EN: "Quick recovery: your hands were back in guard {s} s after each punch on average.",
        Language.KO: "회수가 빠릅니다. 펀치 후 평균 {s}초 만에 가드로 돌아왔습니다.",
    },
    "combo_low": {
        Language.EN: "Put your punches together: only {pct}% of them came in combinations.",
        Language.KO: "펀치를 연결하세요. 콤비네이션으로 나온 펀치는 {pct}%뿐이었습니다.",
    },
    "combo_none": {
        Language.EN: "Put your punches together: none came in a combination; throw 1-2s and 1-2-3s, not single shots.",
        Language.KO: "펀치를 이어서 던지세요. 콤비네이션이 하나도 없었습니다. 단발 대신 원투, 원투쓰리를 던지세요.",
    },
    "combo_good": {
        Language.EN: "Good combinations: {pct}% of your punches came in combinations, most often {pattern}.",
        Language.KO: "콤비네이션이 좋습니다. 펀치의 {pct}%가 콤비네이션이었고, 가장 많이 쓴 것은 {pattern}입니다.",
    },
    "fatigue": {
        Language.EN: "Your output fell by {pct}% from the first to the last third of the round: build conditioning.",
        Language.KO: "라운드 처음 1/3에서 마지막 1/3까지 펀치 수가 {pct}% 줄었습니다. 체력을 기르세요.",
    },
    "speed": {
        Language.EN: "Your fastest punch, a {kind}, reached {speed} m/s.",
        Language.KO: "가장 빠른 펀치({kind})는 {speed} m/s였습니다.",
    },
    "summary": {
        Language.EN: "{n} punches in {dur} ({rate} per minute), {lead}% from the lead hand, {combos} combinations. "
        "Guard up {guard} of the time between punches; {head} defensive moves.",
        Language.KO: "{dur} 동안 펀치 {n}개(분당 {rate}개), 앞손 {lead}%, 콤비네이션 {combos}번. "
        "펀치 사이 가드 유지 {guard}, 방어 동작 {head}번.",
    },
    "empty": {
        Language.EN: "No punches were detected. Film a full round from the side or front, with your whole upper body in view.",
        Language.KO: "감지된 펀치가 없습니다. 상체 전체가 보이도록 옆이나 앞에서 라운드 전체를 촬영하세요.",
    },
    "goal_default": {
        Language.EN: "Keep the same guard and output next session and add one new combination.",
        Language.KO: "다음 세션에도 같은 가드와 작업량을 유지하고 새로운 콤비네이션을 하나 추가하세요.",
    },
}

_DRILLS: dict[str, dict[Language, tuple[str, str]]] = {
    "guard_poor": {
        Language.EN: (
            "Mirror guard check",
            "3 x 2 min shadowboxing in front of a mirror; after every punch touch your chin with the other glove.",
        ),
        Language.KO: (
            "거울 가드 체크",
            "거울 앞에서 2분씩 3라운드 섀도복싱. 펀치마다 반대 글러브로 턱을 터치하세요.",
        ),
    },
    "lead_low": {
        Language.EN: (
            "Jab-only round",
            "One 3-minute round on the bag or in sparring throwing only jabs: double and triple them.",
        ),
        Language.KO: (
            "잽만 쓰는 라운드",
            "샌드백이나 스파링에서 3분 동안 잽만 던지세요. 더블 잽과 트리플 잽을 섞으세요.",
        ),
    },
    "rate_low": {
        Language.EN: ("Output intervals", "6 x 30 s of non-stop punching on the bag, 30 s rest."),
        Language.KO: ("작업량 인터벌", "샌드백에 30초 쉬지 않고 펀치, 30초 휴식을 6세트."),
    },
    "head_low": {
        Language.EN: ("Slip line", "Under a rope, 3 x 2 min: after every 1-2, slip or duck under the rope."),
        Language.KO: (
            "슬립 라인",
            "로프 아래에서 2분씩 3라운드. 원투 후 매번 슬립이나 더킹으로 로프를 지나가세요.",
        ),
    },
    "return_slow": {
        Language.EN: (
            "Snap back",
            "3 x 2 min: throw each punch and return to guard on a partner's clap; speed back, not out.",
        ),
        Language.KO: ("스냅 백", "2분씩 3라운드. 파트너의 박수에 맞춰 펀치 후 즉시 가드로 복귀하세요."),
    },
    "combo_low": {
        Language.EN: (
            "Combination ladder",
            "On the bag: 1-2, 1-2-3, 1-2-3-2, 20 times each, hands back to guard after each.",
        ),
        Language.KO: (
            "콤비네이션 사다리",
            "샌드백에 1-2, 1-2-3, 1-2-3-2를 각각 20번씩. 매번 가드로 복귀하세요.",
        ),
    },
    "fatigue": {
        Language.EN: (
            "Round-end sprints",
            "Last 30 s of every bag round at full output; add one round a week.",
        ),
        Language.KO: (
            "라운드 막판 스퍼트",
            "샌드백 라운드마다 마지막 30초는 최대 출력으로. 매주 한 라운드씩 늘리세요.",
        ),
    },
}

_GOALS: dict[str, dict[Language, str]] = {
    "guard_poor": {
        Language.EN: "Guard discipline of {target}% or more.",
        Language.KO: "가드 유지율 {target}% 이상.",
    },
    "lead_low": {
        Language.EN: "At least {target}% of punches from the lead hand.",
        Language.KO: "앞손 펀치 비율 {target}% 이상.",
    },
    "rate_low": {
        Language.EN: "{target} punches per minute or more.",
        Language.KO: "분당 펀치 {target}개 이상.",
    },
    "head_low": {
        Language.EN: "{target} defensive moves per minute or more.",
        Language.KO: "분당 방어 동작 {target}번 이상.",
    },
    "return_slow": {
        Language.EN: "Back to guard in {target} s or less on average.",
        Language.KO: "평균 {target}초 이내에 가드 복귀.",
    },
    "combo_low": {
        Language.EN: "{target}% of punches in combinations.",
        Language.KO: "콤비네이션 비율 {target}% 이상.",
    },
    "fatigue": {
        Language.EN: "Keep the last third's output within 15% of the first.",
        Language.KO: "마지막 1/3의 작업량을 처음 1/3 대비 15% 이내로 유지.",
    },
}


def _times(stamps: list[Stamp]) -> tuple[float, ...]:
    """Up to ``MAX_EVIDENCE`` of the stamps that support a point, spread over the round (not its first five)."""
    ordered = sorted(stamps, key=lambda s: s.t_peak_s)
    if len(ordered) > MAX_EVIDENCE:
        step = (len(ordered) - 1) / (MAX_EVIDENCE - 1)
        ordered = [ordered[round(i * step)] for i in range(MAX_EVIDENCE)]
    return tuple(round(s.t_peak_s, 2) for s in ordered)


def _first(stamps: list[Stamp]) -> tuple[float, ...]:
    """The first ``MAX_EVIDENCE`` stamps in the order given (the worst first, when sorted so)."""
    return tuple(round(s.t_peak_s, 2) for s in stamps[:MAX_EVIDENCE])


def _without_defence_after(strikes: list[Stamp], stamps: list[Stamp], within_s: float = 2.0) -> list[Stamp]:
    """Strikes after which no slip, duck or pull-back came within ``within_s``: the head stayed on the line."""
    moves = [s.t_peak_s for s in stamps if s.category is Category.DEFENSE]
    return [s for s in strikes if not any(s.t_peak_s < m <= s.t_peak_s + within_s for m in moves)]


def _before_long_pauses(strikes: list[Stamp]) -> list[Stamp]:
    """The strikes before the longest pauses, longest first: where the work rate dropped."""
    ordered = sorted(strikes, key=lambda s: s.t_peak_s)
    gaps = sorted(itertools.pairwise(ordered), key=lambda pair: -(pair[1].t_peak_s - pair[0].t_peak_s))
    return [before for before, _after in gaps]


def _busiest(strikes: list[Stamp], window_s: float = 10.0) -> list[Stamp]:
    """The strikes of the busiest ``window_s`` stretch."""
    ordered = sorted(strikes, key=lambda s: s.t_peak_s)
    best: list[Stamp] = []
    for i, s in enumerate(ordered):
        inside = [x for x in ordered[i:] if x.t_peak_s < s.t_peak_s + window_s]
        if len(inside) > len(best):
            best = inside
    return best


def _pct(value: float) -> int:
    return round(100 * value)


@attrs.frozen(kw_only=True)
class _Finding:
    key: str
    good: bool
    text: str
    support: tuple[Stamp, ...]
    """The stamps that show the point, the most telling first when ``spread`` is False."""
    spread: bool = True
    target: object = None


def _cite(findings: list[_Finding]) -> list[tuple[float, ...]]:
    """Evidence for each finding: its own stamps, preferring ones no earlier point cited.

    So two points rarely show the same punches (three points once all cited the round's first five).
    """
    cited: set[int] = set()
    out = []
    for f in findings:
        fresh = [s for s in f.support if id(s) not in cited]
        chosen = fresh or list(f.support)  # fewer, unshown stamps rather than the same ones again
        times = _times(chosen) if f.spread else _first(chosen)
        cited |= {id(s) for s in chosen if round(s.t_peak_s, 2) in times}
        out.append(times)
    return out


class OfflineCoach(Coach):
    """A coach that needs no network: implements the coach port with the documented rules."""

    name = "offline-rules-v1"

    def coach(self, request: CoachingRequest) -> Coaching:
        """Write coaching for one round."""
        lang = request.language
        m = request.metrics
        stamps = list(request.stamps)
        strikes = [s for s in stamps if s.category is Category.STRIKE]
        findings = [f for rule in _RULES if (f := rule(m, stamps, strikes, lang)) is not None]
        to_fix = [f for f in findings if not f.good]
        good = [f for f in findings if f.good]
        # What to fix is cited first: it gets the clearest stamps.
        evidence = dict(zip([id(f) for f in to_fix + good], _cite(to_fix + good), strict=True))
        strengths = [CoachingPoint(text=f.text, evidence_t_s=evidence[id(f)]) for f in good]
        improvements = [CoachingPoint(text=f.text, evidence_t_s=evidence[id(f)]) for f in to_fix]
        drills = [Drill(name=_DRILLS[f.key][lang][0], description=_DRILLS[f.key][lang][1]) for f in to_fix[:3]]
        goal = _GOALS[to_fix[0].key][lang].format(target=to_fix[0].target) if to_fix else _TEXT["goal_default"][lang]
        return Coaching(
            source=CoachingSource.OFFLINE,
            language=lang,
            summary=_summary(m, lang) if strikes else _TEXT["empty"][lang],
            strengths=strengths[:5],
            improvements=improvements[:5],
            drills=drills,
            next_session_goal=goal,
            model=self.name,
        )


def _summary(m: dict[str, Any], lang: Language) -> str:
    minutes, seconds = divmod(round(m["duration_s"] or 0), 60)
    guard = "-" if m["guard_discipline"] is None else f"{_pct(m['guard_discipline'])}%"
    return _TEXT["summary"][lang].format(
        n=m["strikes_total"],
        dur=f"{minutes}:{seconds:02d}",
        rate=m["strikes_per_minute"],
        lead=_pct(m["lead_share"] or 0.0),
        combos=m["combinations"]["total"],
        guard=guard,
        head=sum(m["counts"][k.value] for k in (StampKind.SLIP, StampKind.DUCK, StampKind.PULL_BACK)),
    )


_Rule = Callable[[dict[str, Any], list[Stamp], list[Stamp], Language], _Finding | None]


def _guard(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    g = m["guard_discipline"]
    if g is None:
        return None
    drops = [s for s in stamps if s.kind is StampKind.GUARD_DROP]
    if g < GUARD_POOR or len(drops) >= max(2, len(strikes) // 4):
        text = _TEXT["guard_poor"][lang].format(pct=_pct(g), drops=len(drops))
        return _Finding(key="guard_poor", good=False, text=text, support=tuple(drops), target=_pct(GUARD_GOOD))
    if g >= GUARD_GOOD:
        return _Finding(
            key="guard_good",
            good=True,
            text=_TEXT["guard_good"][lang].format(pct=_pct(g)),
            support=tuple([s for s in strikes if not any(d.t_start_s <= s.t_peak_s <= d.t_end_s for d in drops)]),
        )
    return None


def _lead(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    share = m["lead_share"]
    if share is None or len(strikes) < MIN_STRIKES_FOR_RATIOS:
        return None
    if share < LEAD_SHARE_LOW:
        rear = [s for s in strikes if s.hand is Hand.REAR]
        text = _TEXT["lead_low"][lang].format(pct=_pct(share))
        return _Finding(key="lead_low", good=False, text=text, support=tuple(rear), target=_pct(LEAD_SHARE_GOOD) - 10)
    if share >= LEAD_SHARE_GOOD:
        lead = [s for s in strikes if s.hand is Hand.LEAD]
        return _Finding(
            key="lead_good",
            good=True,
            text=_TEXT["lead_good"][lang].format(pct=_pct(share)),
            support=tuple(lead),
        )
    return None


def _rate(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    rate = m["strikes_per_minute"]
    if (m["duration_s"] or 0) < 20:
        return None
    if rate < RATE_LOW_PER_MIN:
        text = _TEXT["rate_low"][lang].format(rate=rate)
        return _Finding(
            key="rate_low",
            good=False,
            text=text,
            support=tuple(_before_long_pauses(strikes)),
            spread=False,
            target=round(RATE_LOW_PER_MIN + 10),
        )
    if rate >= RATE_HIGH_PER_MIN:
        return _Finding(
            key="rate_high",
            good=True,
            text=_TEXT["rate_high"][lang].format(rate=rate),
            support=tuple(_busiest(strikes)),
        )
    return None


def _head(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    rate = m["head_movements_per_minute"]
    moves = [s for s in stamps if s.category is Category.DEFENSE]
    if (m["duration_s"] or 0) < 20:
        return None
    if rate < HEAD_LOW_PER_MIN:
        text = _TEXT["head_low"][lang].format(rate=rate)
        return _Finding(
            key="head_low",
            good=False,
            text=text,
            support=tuple(_without_defence_after(strikes, stamps)),
            target=round(HEAD_GOOD_PER_MIN),
        )
    if rate >= HEAD_GOOD_PER_MIN:
        return _Finding(
            key="head_good",
            good=True,
            text=_TEXT["head_good"][lang].format(rate=rate),
            support=tuple(moves),
        )
    return None


def _return(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    mean = m["mean_return_to_guard_s"]
    if mean is None or len(strikes) < 3:
        return None
    if mean > RETURN_SLOW_S:
        slow = sorted(strikes, key=lambda s: -(s.t_end_s - s.t_peak_s))
        text = _TEXT["return_slow"][lang].format(s=f"{mean:.2f}")
        return _Finding(
            key="return_slow",
            good=False,
            text=text,
            support=tuple(slow),
            spread=False,
            target=f"{RETURN_FAST_S + 0.05:.2f}",
        )
    if mean <= RETURN_FAST_S:
        return _Finding(
            key="return_fast",
            good=True,
            text=_TEXT["return_fast"][lang].format(s=f"{mean:.2f}"),
            support=tuple(sorted(strikes, key=lambda s: s.t_end_s - s.t_peak_s)),
            spread=False,
        )
    return None


def _combos(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    share = m["combinations"]["strikes_in_combinations_share"]
    if share is None or len(strikes) < MIN_STRIKES_FOR_RATIOS:
        return None
    chains = combinations(strikes)
    if share < COMBO_LOW_SHARE:
        in_chains = {id(s) for chain in chains for s in chain}
        single = [s for s in strikes if id(s) not in in_chains]
        text = _TEXT["combo_none" if not chains else "combo_low"][lang].format(pct=_pct(share))
        return _Finding(key="combo_low", good=False, text=text, support=tuple(single), target=_pct(COMBO_GOOD_SHARE))
    if share >= COMBO_GOOD_SHARE and m["combinations"]["patterns"]:
        pattern = m["combinations"]["patterns"][0]["pattern"]
        text = _TEXT["combo_good"][lang].format(pct=_pct(share), pattern=pattern)
        return _Finding(key="combo_good", good=True, text=text, support=tuple([c[0] for c in chains]))
    return None


def _fatigue(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    change = m["fatigue"]["rate_change_pct"]
    if change is None or change > FATIGUE_DROP_PCT or len(strikes) < MIN_STRIKES_FOR_RATIOS:
        return None
    last = [s for s in strikes if s.t_peak_s >= strikes[0].t_peak_s + 2 * (m["duration_s"] or 0) / 3]
    return _Finding(
        key="fatigue",
        good=False,
        text=_TEXT["fatigue"][lang].format(pct=round(-change)),
        support=tuple(last),
    )


_KIND_NAMES: dict[Language, dict[str, str]] = {
    Language.EN: {},
    Language.KO: {
        "jab": "잽",
        "cross": "크로스",
        "lead_hook": "앞손 훅",
        "rear_hook": "뒷손 훅",
        "lead_uppercut": "앞손 어퍼컷",
        "rear_uppercut": "뒷손 어퍼컷",
    },
}


def _speed(m: dict[str, Any], stamps: list[Stamp], strikes: list[Stamp], lang: Language) -> _Finding | None:
    if not strikes:
        return None
    fastest = max(strikes, key=lambda s: s.peak_speed_mps or 0.0)
    kind = _KIND_NAMES[lang].get(fastest.kind.value, fastest.kind.value.replace("_", " "))
    text = _TEXT["speed"][lang].format(kind=kind, speed=f"{fastest.peak_speed_mps:.1f}")
    return _Finding(key="speed", good=True, text=text, support=(fastest,))


_RULES: tuple[_Rule, ...] = (_guard, _lead, _rate, _head, _return, _combos, _fatigue, _speed)
