"""Scoring detected stamps against labelled events: matching by time, and the figures of the accuracy table.

Pure functions and value objects, no I/O: ``bench/accuracy.py`` feeds them and the unit tests pin them.

Matching: within one clip and one family (strikes; defensive moves; guard drops), labelled and detected events are
paired one to one so that as many pairs as possible have peaks within ``MATCH_TOLERANCE_S`` (0.2 s), and among
those the pairs' time differences add up to the least (an optimal assignment, not a greedy one: a double detection
cannot steal the pair of its neighbour). Type and hand are judged on the pairs, never used to form them. A guard
drop, which has no sharp peak, also matches a detection whose peak falls inside its labelled span. Detections whose
peak falls in an ``unsure`` span are left out of everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import attrs
import numpy as np
from scipy.optimize import linear_sum_assignment

STRIKE_KINDS = ("jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut")
DEFENSE_KINDS = ("slip", "duck", "pull_back")
FAMILIES = ("strike", "defense", "block", "guard_drop")
MATCH_TOLERANCE_S = 0.2
_UNMATCHABLE = 1e6


@attrs.frozen(kw_only=True)
class Event:
    """A labelled or detected event, as the scorer sees it.

    Attributes:
        kind: A strike kind, a defensive kind, ``block``, ``guard_drop`` or ``unsure``.
        hand: ``lead``, ``rear`` or ``none``.
        t_peak_s: The peak (full extension, furthest point, lowest point), seconds.
        t_start_s: Start of the event (defaults to the peak).
        t_end_s: End of the event (defaults to the peak).
        side: A slip's side, ``left`` or ``right``.
        confidence: A detection's confidence (1 for labels).
        peak_speed_mps: A detected strike's peak hand speed.
    """

    kind: str
    hand: str = "none"
    t_peak_s: float
    t_start_s: float = attrs.field(default=attrs.Factory(lambda self: self.t_peak_s, takes_self=True))
    t_end_s: float = attrs.field(default=attrs.Factory(lambda self: self.t_peak_s, takes_self=True))
    side: str | None = None
    confidence: float = 1.0
    peak_speed_mps: float | None = None

    @property
    def family(self) -> str:
        """``strike``, ``defense``, ``block``, ``guard_drop`` or ``unsure``."""
        if self.kind in STRIKE_KINDS:
            return "strike"
        if self.kind in DEFENSE_KINDS:
            return "defense"
        return self.kind


def match_events(
    labels: Sequence[Event], detections: Sequence[Event], tolerance_s: float = MATCH_TOLERANCE_S
) -> list[tuple[int, int]]:
    """One-to-one pairs (label index, detection index) with peaks within ``tolerance_s``: as many pairs as
    possible, then the least total time difference. A label that is a span (``guard_drop``) also pairs with a
    detection whose peak lies inside it."""
    if not labels or not detections:
        return []
    t_label = np.array([e.t_peak_s for e in labels])[:, None]
    t_found = np.array([e.t_peak_s for e in detections])[None, :]
    cost = np.abs(t_label - t_found)
    spans = np.array([e.kind == "guard_drop" for e in labels])[:, None]
    inside = (t_found >= np.array([e.t_start_s for e in labels])[:, None]) & (
        t_found <= np.array([e.t_end_s for e in labels])[:, None]
    )
    ok = (cost <= tolerance_s + 1e-9) | (spans & inside)
    rows, cols = linear_sum_assignment(np.where(ok, np.minimum(cost, tolerance_s), _UNMATCHABLE))
    return sorted((int(i), int(j)) for i, j in zip(rows, cols, strict=True) if ok[i, j])


def _in_spans(t_s: float, spans: Iterable[Event]) -> bool:
    return any(span.t_start_s <= t_s <= span.t_end_s for span in spans)


@attrs.define
class Tally:
    """Counts of one or more clips, added up; every figure of the table derives from them."""

    strikes_labelled: int = 0
    strikes_detected: int = 0
    strikes_matched: int = 0
    strikes_typed: int = 0
    strikes_handed: int = 0
    strikes_on_blocks: int = 0
    confusion: Counter[tuple[str, str]] = attrs.field(factory=Counter)
    defense_labelled: Counter[str] = attrs.field(factory=Counter)
    defense_detected: Counter[str] = attrs.field(factory=Counter)
    defense_matched_same_kind: Counter[str] = attrs.field(factory=Counter)
    defense_matched_any: int = 0
    drops_labelled: int = 0
    drops_detected: int = 0
    drops_matched: int = 0
    speeds: dict[str, list[float]] = attrs.field(factory=dict)
    missed: list[Event] = attrs.field(factory=list)
    false: list[Event] = attrs.field(factory=list)

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        for field in attrs.fields(Tally):
            mine = getattr(self, field.name)
            theirs = getattr(other, field.name)
            if isinstance(mine, int):
                setattr(self, field.name, mine + theirs)
            elif isinstance(mine, Counter):
                mine.update(theirs)
            elif isinstance(mine, dict):
                for key, values in theirs.items():
                    mine.setdefault(key, []).extend(values)
            else:
                mine.extend(theirs)

    @property
    def strike_recall(self) -> float | None:
        """Labelled strikes found (any type) over labelled strikes."""
        return _ratio(self.strikes_matched, self.strikes_labelled)

    @property
    def strike_precision(self) -> float | None:
        """Detected strikes that are labelled strikes over detected strikes."""
        return _ratio(self.strikes_matched, self.strikes_detected)

    @property
    def strike_f1(self) -> float | None:
        """The harmonic mean of strike recall and precision."""
        recall, precision = self.strike_recall, self.strike_precision
        if recall is None or precision is None:
            return None
        return 2 * recall * precision / (recall + precision) if recall + precision else 0.0

    @property
    def type_accuracy(self) -> float | None:
        """Matched strikes of the labelled kind over matched strikes."""
        return _ratio(self.strikes_typed, self.strikes_matched)

    @property
    def hand_accuracy(self) -> float | None:
        """Matched strikes thrown with the labelled hand over matched strikes."""
        return _ratio(self.strikes_handed, self.strikes_matched)

    def defense_recall(self, kind: str) -> float | None:
        """Labelled moves of ``kind`` found as ``kind``, over labelled moves of ``kind``."""
        return _ratio(self.defense_matched_same_kind[kind], self.defense_labelled[kind])

    def defense_precision(self, kind: str) -> float | None:
        """Detected moves of ``kind`` that are labelled ``kind``, over detected moves of ``kind``."""
        return _ratio(self.defense_matched_same_kind[kind], self.defense_detected[kind])

    @property
    def drop_recall(self) -> float | None:
        """Labelled guard drops found, over labelled guard drops."""
        return _ratio(self.drops_matched, self.drops_labelled)

    @property
    def drop_precision(self) -> float | None:
        """Detected guard drops that are labelled, over detected guard drops."""
        return _ratio(self.drops_matched, self.drops_detected)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def score_clip(labels: Sequence[Event], detections: Sequence[Event], families: Sequence[str] = FAMILIES) -> Tally:
    """The tally of one clip: its labelled events against the detector's.

    Args:
        labels: The labelled events, ``unsure`` spans included.
        detections: The detector's events.
        families: The families the labels cover (a source that labels only strikes says so): detections of the
            other families are left out, neither right nor wrong.
    """
    unsure = [e for e in labels if e.kind == "unsure"]
    found = [e for e in detections if not _in_spans(e.t_peak_s, unsure) and e.family in families]
    tally = Tally()

    strikes = [e for e in labels if e.family == "strike"]
    found_strikes = [e for e in found if e.family == "strike"]
    pairs = match_events(strikes, found_strikes)
    paired_found = {j for _, j in pairs}
    tally.strikes_labelled = len(strikes)
    tally.strikes_detected = len(found_strikes)
    tally.strikes_matched = len(pairs)
    for i, j in pairs:
        label, hit = strikes[i], found_strikes[j]
        tally.confusion[(label.kind, hit.kind)] += 1
        tally.strikes_typed += label.kind == hit.kind
        tally.strikes_handed += label.hand == hit.hand
        if hit.peak_speed_mps is not None:
            tally.speeds.setdefault(label.kind, []).append(hit.peak_speed_mps)
    tally.missed.extend(strikes[i] for i in sorted(set(range(len(strikes))) - {i for i, _ in pairs}))
    unpaired = [found_strikes[j] for j in range(len(found_strikes)) if j not in paired_found]
    tally.false.extend(unpaired)
    blocks = [e for e in labels if e.kind == "block"]
    tally.strikes_on_blocks = len(match_events(blocks, unpaired))

    moves = [e for e in labels if e.family == "defense"]
    found_moves = [e for e in found if e.family == "defense"]
    tally.defense_labelled.update(e.kind for e in moves)
    tally.defense_detected.update(e.kind for e in found_moves)
    move_pairs = match_events(moves, found_moves)
    tally.defense_matched_any = len(move_pairs)
    tally.defense_matched_same_kind.update(moves[i].kind for i, j in move_pairs if moves[i].kind == found_moves[j].kind)
    paired_moves = {j for _, j in move_pairs}
    tally.false.extend(found_moves[j] for j in range(len(found_moves)) if j not in paired_moves)

    drops = [e for e in labels if e.family == "guard_drop"]
    found_drops = [e for e in found if e.family == "guard_drop"]
    tally.drops_labelled = len(drops)
    tally.drops_detected = len(found_drops)
    tally.drops_matched = len(match_events(drops, found_drops))
    return tally


def confidence_cut(
    clips: Sequence[tuple[Sequence[Event], Sequence[Event]]], *, beta: float = 0.5
) -> tuple[float, float | None]:
    """The strike confidence cut-off that maximises F-beta (beta 0.5: precision weighs twice recall) over these
    clips' (labels, detections), and that F-beta. The candidate cuts are the detections' own confidences."""
    cuts = sorted({0.0, *(e.confidence for _, found in clips for e in found if e.family == "strike")})
    best: tuple[float, float | None] = (0.0, None)
    best_score = -1.0
    for cut in cuts:
        tally = Tally()
        for labels, found in clips:
            tally.add(score_clip(labels, [e for e in found if e.family != "strike" or e.confidence >= cut]))
        recall, precision = tally.strike_recall, tally.strike_precision
        if recall is None or precision is None or recall + precision == 0:
            continue
        score = (1 + beta**2) * precision * recall / (beta**2 * precision + recall)
        if score > best_score + 1e-12:
            best_score, best = score, (cut, score)
    return best


def leave_one_source_out(
    by_source: dict[str, list[tuple[Sequence[Event], Sequence[Event]]]],
    fit: Callable[[list[tuple[Sequence[Event], Sequence[Event]]]], float],
    apply: Callable[[Sequence[Event], float], list[Event]],
) -> dict[str, tuple[float, Tally]]:
    """Each source scored with a parameter fitted on all the *other* sources: the figure that counts.

    Args:
        by_source: Each source's clips as (labels, detections).
        fit: Fits the parameter on a list of clips.
        apply: Applies the parameter to one clip's detections.

    Returns:
        For each source, the parameter fitted without it and its tally with that parameter.
    """
    result: dict[str, tuple[float, Tally]] = {}
    for held_out, own in by_source.items():
        training = [clip for source, rows in by_source.items() if source != held_out for clip in rows]
        parameter = fit(training)
        tally = Tally()
        for labels, found in own:
            tally.add(score_clip(labels, apply(found, parameter)))
        result[held_out] = (parameter, tally)
    return result
