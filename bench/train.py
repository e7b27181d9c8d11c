"""Train the strike typer on the labelled corpus and compare typers leave-one-source-out.

Usage: .venv/bin/python bench/train.py [--compare-only] [--verbose]

For every labelled clip (cached pose tracks, ``bench/corpus.py``), the staged detector's candidates and features
are computed (height 175 cm, the clip's labelled stance). Each candidate is paired with the labelled strikes by
the scorer's rules (peaks within 0.2 s, one to one); a paired candidate of the labelled hand is a ``straight``,
``hook`` or ``uppercut``, every other one ``none``; candidates inside an ``unsure`` span are left out.

Printed, per source and pooled: strike recall, precision, type and hand accuracy of
  * ``legacy``: the hand-set image rules (punch_core.detection.strikes), tuned on five of these sources;
  * ``rules``: the rule table (nothing fitted);
  * ``learned LOSO``: gradient-boosted trees trained on every source but the one scored (the result);
  * ``learned in-sample``: trained on all sources, scored on them (for comparison only).
Then a reliability table of the LOSO confidences, the confidence cut for the coach fitted leave-one-source-out, and
what a cut on the learned probability of a strike buys the image rules' strikes (each source scored by a model
trained without it).

Unless --compare-only, the model trained on every source is written to
src/punch_core/detection/models/strike_typer.json (deterministic: the same corpus gives the same bytes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from bench.accuracy import TUNED_ON
from bench.corpus import MEDIA, ROOT, Clip, clips, read_track
from bench.labels import LabelError, read_labels
from bench.scoring import STRIKE_KINDS, Event, Tally, match_events, score_clip

from punch_core.body import Stance
from punch_core.detection.features import Candidate, StrikeFeatures
from punch_core.detection.strike_stages import measured_candidates, stamps_from
from punch_core.detection.strikes import detect_strikes
from punch_core.detection.typers import (
    MODEL_FORMAT,
    DetectionParams,
    LearnedTyper,
    RuleTableTyper,
    StrikeTyper,
    TypedStrike,
)
from punch_core.errors import PunchError
from punch_core.kinematics import Kinematics, compute_kinematics
from punch_core.stamps import Stamp

CLASSES = ("none", "straight", "hook", "uppercut")
RESCORE_NEAR_S = 0.1
TYPE_OF_KIND = {"jab": "straight", "cross": "straight", "lead_hook": "hook", "rear_hook": "hook"}
TYPE_OF_KIND |= {"lead_uppercut": "uppercut", "rear_uppercut": "uppercut"}
MODEL_FILE = ROOT / "src" / "punch_core" / "detection" / "models" / "strike_typer.json"
GBM = {"n_estimators": 150, "learning_rate": 0.1, "max_depth": 3, "subsample": 1.0, "min_samples_leaf": 5}
"""The trees' settings, kept small (the model ships in the package)."""
LINEAR_C = 1.0
"""The logistic regression's inverse regularisation."""


class ClipData:
    """One clip's labels, kinematics, candidates, features and training classes."""

    def __init__(
        self, clip: Clip, labels: list[Event], families: tuple[str, ...], stance: Stance, k: Kinematics
    ) -> None:
        self.clip = clip
        self.labels = labels
        self.families = families
        self.stance = stance
        self.k = k
        self.measured = measured_candidates(k, stance, DetectionParams())
        self.classes = candidate_classes(k, stance, [c for c, _ in self.measured], labels)

    @property
    def x(self) -> np.ndarray:
        return (
            np.stack([f.vector() for _, f in self.measured])
            if self.measured
            else np.zeros((0, len(StrikeFeatures.names())))
        )


def candidate_classes(
    k: Kinematics, stance: Stance, cands: Sequence[Candidate], labels: Sequence[Event]
) -> list[str | None]:
    """Each candidate's class for training (None: inside an unsure span, left out)."""
    strikes = [e for e in labels if e.family == "strike"]
    unsure = [e for e in labels if e.kind == "unsure"]
    as_events = [Event(kind="jab", t_peak_s=float(k.t_s[c.peak])) for c in cands]
    out: list[str | None] = ["none"] * len(cands)
    for i, j in match_events(strikes, as_events):
        hand = "lead" if cands[j].side == stance.lead_side else "rear"
        out[j] = TYPE_OF_KIND[strikes[i].kind] if strikes[i].hand == hand else "none"
    for j, e in enumerate(as_events):
        if any(u.t_start_s <= e.t_peak_s <= u.t_end_s for u in unsure):
            out[j] = None
    return out


def load(verbose: bool) -> list[ClipData]:
    data = []
    for clip in clips():
        try:
            doc = read_labels(clip.label_file, clip)
        except (FileNotFoundError, LabelError):
            continue
        if "strike" not in doc.families:
            continue
        track = read_track(clip)
        if track is None:
            print(f"{clip.path}: no pose track (python bench/corpus.py tracks)")
            continue
        try:
            k = compute_kinematics(track, height_m=1.75)
        except PunchError as exc:
            if verbose:
                print(f"{clip.path}: {exc}")
            continue
        data.append(ClipData(clip, list(doc.events), doc.families, Stance(doc.stance), k))
    return data


def training_set(rows: Sequence[ClipData]) -> tuple[np.ndarray, np.ndarray]:
    """The candidates of ``rows`` that have a class (not in an unsure span): features and class indices."""
    x = np.concatenate([d.x[[i for i, c in enumerate(d.classes) if c is not None]] for d in rows])
    y = np.array([CLASSES.index(c) for d in rows for c in d.classes if c is not None])
    return x, y


def source_weights(rows: Sequence[ClipData]) -> np.ndarray:
    """Each training candidate's weight: every source weighs the same in all (thai-boxing alone holds 80% of the
    candidates), and within a source every candidate the same."""
    counts: dict[str, int] = {}
    for d in rows:
        counts[d.clip.source] = counts.get(d.clip.source, 0) + sum(c is not None for c in d.classes)
    w = np.array([1.0 / counts[d.clip.source] for d in rows for c in d.classes if c is not None])
    return np.asarray(w * (w.size / w.sum()))


def fit(rows: Sequence[ClipData]) -> dict[str, Any]:
    """Gradient-boosted trees on the candidates of ``rows``, exported as the model document."""
    from sklearn.ensemble import GradientBoostingClassifier  # noqa: PLC0415 - a dev dependency, only here

    x, y = training_set(rows)
    present = sorted(set(y.tolist()))
    clf = GradientBoostingClassifier(init="zero", random_state=0, **GBM)
    clf.fit(x, y, sample_weight=source_weights(rows))
    trees = []
    for stage in clf.estimators_:
        per_class = []
        for c in range(len(CLASSES)):
            if c not in present:
                per_class.append({"feature": [-2], "threshold": [0.0], "left": [-1], "right": [-1], "value": [-30.0]})
                continue
            col = present.index(c) if len(present) > 2 else 0
            t = stage[col].tree_
            per_class.append(
                {
                    "feature": t.feature.tolist(),
                    "threshold": [round(float(v), 6) for v in t.threshold],
                    "left": t.children_left.tolist(),
                    "right": t.children_right.tolist(),
                    "value": [round(float(v), 6) for v in t.value[:, 0, 0]],
                }
            )
        trees.append(per_class)
    return {
        "format": MODEL_FORMAT,
        "version": 1,
        "classes": list(CLASSES),
        "features": list(StrikeFeatures.names()),
        "kind": "trees",
        "learning_rate": GBM["learning_rate"],
        "trees": trees,
        "training": {
            "candidates": int(y.size),
            "per_class": {CLASSES[c]: int((y == c).sum()) for c in range(len(CLASSES))},
            "sources": sorted({d.clip.source for d in rows}),
            "settings": GBM,
        },
    }


def fit_linear(rows: Sequence[ClipData]) -> dict[str, Any]:
    """Multinomial logistic regression on the standardised features, exported as the model document."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - a dev dependency, only here

    x, y = training_set(rows)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    clf = LogisticRegression(C=LINEAR_C, max_iter=2000)
    clf.fit((x - mean) / scale, y, sample_weight=source_weights(rows))
    coef = np.full((len(CLASSES), x.shape[1]), 0.0)
    intercept = np.full(len(CLASSES), -30.0)
    for row_i, c in enumerate(clf.classes_):
        coef[c], intercept[c] = clf.coef_[row_i], clf.intercept_[row_i]
    return {
        "format": MODEL_FORMAT,
        "version": 1,
        "kind": "linear",
        "classes": list(CLASSES),
        "features": list(StrikeFeatures.names()),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [[round(float(v), 6) for v in r] for r in coef],
        "intercept": [round(float(v), 6) for v in intercept],
        "training": {
            "candidates": int(y.size),
            "per_class": {CLASSES[c]: int((y == c).sum()) for c in range(len(CLASSES))},
            "sources": sorted({d.clip.source for d in rows}),
            "settings": {"C": LINEAR_C},
        },
    }


def as_events(stamps: Sequence[Stamp]) -> list[Event]:
    """Strike stamps as the scorer's events."""
    return [
        Event(
            kind=s.kind.value,
            hand=s.hand.value,
            t_peak_s=s.t_peak_s,
            t_start_s=s.t_start_s,
            t_end_s=s.t_end_s,
            confidence=s.confidence,
            peak_speed_mps=s.peak_speed_mps,
        )
        for s in stamps
    ]


def strike_events(d: ClipData, verdicts: list[TypedStrike]) -> list[Event]:
    return as_events(stamps_from(d.k, d.stance, d.measured, verdicts, DetectionParams()))


def legacy_events(d: ClipData) -> list[Event]:
    return as_events(detect_strikes(d.k, d.stance))


def legacy_rescored(d: ClipData, typer: LearnedTyper) -> list[Event]:
    """The image rules' strikes, each with the learned probability that it is a strike (any type) as confidence:
    that of the candidate of its hand peaking nearest it (within 0.1 s), 0 without one."""
    probs = typer.probabilities(d.x) if d.measured else np.zeros((0, len(CLASSES)))
    out = []
    for e in legacy_events(d):
        side = d.stance.lead_side if e.hand == "lead" else ("right" if d.stance.lead_side == "left" else "left")
        near = [
            (abs(float(d.k.t_s[c.peak]) - e.t_peak_s), 1.0 - float(p[0]))
            for (c, _), p in zip(d.measured, probs, strict=True)
            if c.side == side and abs(float(d.k.t_s[c.peak]) - e.t_peak_s) <= RESCORE_NEAR_S
        ]
        out.append(attrs.evolve(e, confidence=min(near)[1] if near else 0.0))
    return out


def print_rescored(rescored: dict[str, list[tuple[ClipData, list[Event]]]]) -> None:
    """What a confidence cut on the learned probability buys the image rules' strikes (each source scored by a
    model trained without it): the basis of the coach's threshold (issue 23, item 5)."""
    print("\nimage-rule strikes kept where the learned probability of a strike (trained without the source) >= cut")
    print(f"{'cut':>6}{'recall':>8}{'prec':>6}{'F1':>6}   {'never-saw recall':>16}{'prec':>6}")
    for cut in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7):
        every, never = Tally(), Tally()
        for source, pairs in rescored.items():
            for d, found in pairs:
                t = score(d, found, cut)
                every.add(t)
                if source not in TUNED_ON:
                    never.add(t)
        print(
            f"{cut:6.2f}{every.strike_recall or 0:8.2f}{every.strike_precision or 0:6.2f}{every.strike_f1 or 0:6.2f}"
            f"   {never.strike_recall or 0:16.2f}{never.strike_precision or 0:6.2f}"
        )


def score(d: ClipData, found: list[Event], cut: float = 0.0) -> Tally:
    kept = [e for e in found if e.confidence >= cut]
    return score_clip(d.labels, kept, ("strike",))


def row(name: str, t: Tally) -> str:
    def f(v: float | None) -> str:
        return "   -" if v is None else f"{v:4.2f}"

    return (
        f"{name:26}{t.strikes_labelled:6d}{t.strikes_detected:6d}{f(t.strike_recall):>7}{f(t.strike_precision):>6}"
        f"{f(t.strike_f1):>6}{f(t.type_accuracy):>6}{f(t.hand_accuracy):>6}"
    )


def best_cut(pairs: Sequence[tuple[ClipData, list[Event]]]) -> float:
    """The confidence cut that maximises F0.5 on strikes over ``pairs``."""
    best, best_f = 0.0, -1.0
    for cut in np.arange(0.3, 0.96, 0.05):
        t = Tally()
        for d, found in pairs:
            t.add(score(d, found, float(cut)))
        p, r = t.strike_precision or 0.0, t.strike_recall or 0.0
        f05 = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
        if f05 > best_f + 1e-9:
            best, best_f = float(cut), f05
    return best


def main() -> int:  # noqa: PLR0912, PLR0915 - one report, top to bottom
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare-only", action="store_true", help="do not write the model")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not MEDIA.is_dir():
        sys.exit(f"needs the clips in {MEDIA} (the ../shared folder beside the project)")
    started = time.perf_counter()
    data = load(args.verbose)
    sources = sorted({d.clip.source for d in data})
    n_cand = sum(len(d.measured) for d in data)
    print(f"{len(data)} clips, {len(sources)} sources, {n_cand} candidates ({time.perf_counter() - started:.0f} s)")
    rules: StrikeTyper = RuleTableTyper()
    model_all = fit(data)
    in_sample = LearnedTyper(model_all)
    linear_all = LearnedTyper(fit_linear(data))
    names = ("legacy", "rules", "trees LOSO", "linear LOSO", "trees in-sample", "linear in-sample")
    totals = {name: Tally() for name in names}
    loso_found: dict[str, list[tuple[ClipData, list[Event]]]] = {}
    unseen: dict[str, Tally] = {}
    videos: dict[str, Tally] = {}
    rescored: dict[str, list[tuple[ClipData, list[Event]]]] = {}
    print(f"\n{'source':26}{'lab':>6}{'found':>6}{'recall':>7}{'prec':>6}{'F1':>6}{'type':>6}{'hand':>6}")
    for source in sources:
        held = [d for d in data if d.clip.source == source]
        rest = [d for d in data if d.clip.source != source]
        typer = LearnedTyper(fit(rest))
        linear = LearnedTyper(fit_linear(rest))
        per = {name: Tally() for name in totals}
        for d in held:
            rescored.setdefault(source, []).append((d, legacy_rescored(d, typer)))
            feats = [f for _, f in d.measured]
            loso = strike_events(d, typer.classify(feats))
            loso_found.setdefault(source, []).append((d, loso))
            per["legacy"].add(score(d, legacy_events(d)))
            per["rules"].add(score(d, strike_events(d, rules.classify(feats))))
            per["trees LOSO"].add(score(d, loso))
            per["linear LOSO"].add(score(d, strike_events(d, linear.classify(feats))))
            per["trees in-sample"].add(score(d, strike_events(d, in_sample.classify(feats))))
            per["linear in-sample"].add(score(d, strike_events(d, linear_all.classify(feats))))
            per.setdefault("candidates", Tally()).add(
                score(
                    d,
                    [
                        Event(
                            kind="jab",
                            hand="lead" if c.side == d.stance.lead_side else "rear",
                            t_peak_s=float(d.k.t_s[c.peak]),
                        )
                        for c, _ in d.measured
                    ],
                )
            )
        for name, t in per.items():
            totals.setdefault(name, Tally()).add(t)
            if source not in TUNED_ON:
                unseen.setdefault(name, Tally()).add(t)
            if source != "thai-boxing":
                videos.setdefault(name, Tally()).add(t)
        print(f"{source} ({len(held)} clips)")
        for name, t in per.items():
            print(row(f"  {name}", t))
    print("\npooled over all sources")
    for name, t in totals.items():
        print(row(f"  {name}", t))
    print(
        f"\npooled over the sources the legacy rules never saw ({', '.join(s for s in sources if s not in TUNED_ON)})"
    )
    for name, t in unseen.items():
        print(row(f"  {name}", t))
    print("\npooled over the video sources (world landmarks; thai-boxing is landmark files without them)")
    for name, t in videos.items():
        print(row(f"  {name}", t))
    t = totals["trees LOSO"]
    print("\nconfusion of learned LOSO (rows labelled, columns detected):")
    print(f"{'':14}" + "".join(f"{k[:8]:>9}" for k in STRIKE_KINDS))
    for label in STRIKE_KINDS:
        print(f"{label:14}" + "".join(f"{t.confusion[(label, k)]:9d}" for k in STRIKE_KINDS))
    # Reliability of the LOSO confidences: of the strikes reported in each band, the share that matched a label.
    print("\nreliability of learned LOSO confidences (strikes reported; share matching a labelled strike)")
    every = [(d, e) for pairs in loso_found.values() for d, found in pairs for e in found]
    bands = np.arange(0.3, 1.01, 0.1)
    for lo, hi in itertools.pairwise(bands):
        n = hit = 0
        for d, e in every:
            if lo <= e.confidence < hi + (1e-9 if hi >= 1 else 0):
                n += 1
                hit += score_clip(d.labels, [e], ("strike",)).strikes_matched
        print(f"  {lo:.1f}-{hi:.1f}: {n:4d} reported, {hit / n if n else float('nan'):.2f} matched")
    # The coach's confidence cut, fitted without the source it is scored on.
    pooled_cut, in_cut = Tally(), Tally()
    cut_all = best_cut([p for pairs in loso_found.values() for p in pairs])
    for source, pairs in loso_found.items():
        cut = best_cut([p for s, ps in loso_found.items() if s != source for p in ps])
        for d, found in pairs:
            pooled_cut.add(score(d, found, cut))
            in_cut.add(score(d, found, cut_all))
    print(f"\nconfidence cut for the coach (max F0.5): fitted on all sources {cut_all:.2f}")
    print(row("  LOSO typer, LOSO cut", pooled_cut))
    print(row("  LOSO typer, all-source cut", in_cut))
    print_rescored(rescored)
    if not args.compare_only:
        MODEL_FILE.parent.mkdir(parents=True, exist_ok=True)
        model_all["training"]["coach_cut"] = cut_all
        MODEL_FILE.write_text(json.dumps(model_all, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"\nwrote {MODEL_FILE.relative_to(ROOT)} ({MODEL_FILE.stat().st_size / 1024:.0f} KiB)")
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
