"""How sure a strike is, and which stamps the coach and the report's figures hold to.

A strike's confidence is the learned probability that its excursion is a strike of any type (the packaged typer,
docs/strike_typer.md), measured on the same features the staged detector uses. On the labelled corpus, each source
scored by a model trained without it, it separates the image rules' true strikes from their false ones where their
own heuristic confidence could not (bench/train.py; ADR 0014):

| kept | recall | precision |
|---|---|---|
| every strike | 0.73 | 0.52 |
| confidence >= 0.3 (``COACH_MIN_CONFIDENCE``) | 0.43 | 0.82 |

So the coach speaks, and the report's metrics count, only from stamps at or above ``COACH_MIN_CONFIDENCE``; the
report keeps every stamp, and the web app shows the rest on request. Precision before recall: a wrong stamp the
coach talks about misleads a boxer more than a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from punch_core.body import Stance
from punch_core.detection.body_frame import body_frame
from punch_core.detection.features import Candidate, FeatureContext, strike_features
from punch_core.detection.typers import LearnedTyper
from punch_core.kinematics import Kinematics
from punch_core.stamps import Category, Hand, Stamp, StampKind

COACH_MIN_CONFIDENCE = 0.3
"""The confidence cut of what the coach and the metrics use: the cut that maximises F0.5 on the image rules'
strikes re-scored leave-one-source-out (bench/train.py); every source's own held-out cut was 0.3 or 0.4."""


def learned_confidence(
    k: Kinematics, stance: Stance, strikes: Sequence[Stamp], typer: LearnedTyper | None = None
) -> list[Stamp]:
    """The strikes with their confidence replaced by the learned probability that each is a strike."""
    if not strikes:
        return []
    typer = typer or LearnedTyper.packaged()
    ctx = FeatureContext(k, body_frame(k), stance.lead_side)
    other = stance.rear_side
    rows = []
    for s in strikes:
        side = stance.lead_side if s.hand is Hand.LEAD else other
        start, peak, end = (int(np.argmin(np.abs(k.t_s - t))) for t in (s.t_start_s, s.t_peak_s, s.t_end_s))
        rows.append(strike_features(ctx, Candidate(side=side, start=start, peak=peak, end=end)).vector())
    probabilities = typer.probabilities(np.stack(rows))
    none = typer.classes.index("none")
    return [
        attrs.evolve(s, confidence=round(float(np.clip(1.0 - p[none], 0.0, 1.0)), 4))
        for s, p in zip(strikes, probabilities, strict=True)
    ]


def trusted(stamps: Sequence[Stamp], cut: float = COACH_MIN_CONFIDENCE) -> list[Stamp]:
    """The stamps the coach and the metrics use: those at or above ``cut``, and a guard drop only with its strike."""
    kept_strikes = {s.t_peak_s for s in stamps if s.category is Category.STRIKE and s.confidence >= cut}
    out = []
    for s in stamps:
        if s.kind is StampKind.GUARD_DROP:
            if s.features.get("strike_peak_s") in kept_strikes and s.confidence >= cut:
                out.append(s)
        elif s.confidence >= cut:
            out.append(s)
    return out
