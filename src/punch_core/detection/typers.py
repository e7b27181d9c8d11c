"""Stage 3 of strike detection: typing, behind the :class:`StrikeTyper` port.

A typer reads a candidate's :class:`~punch_core.detection.features.StrikeFeatures` and says what it is: a
``straight``, ``hook`` or ``uppercut`` (the hand comes from the stance), or ``None``, no strike (the guard moving
with a slip or a block, the other hand pulled by the body's turn, a hand dropped). Two typers:

* :class:`RuleTableTyper`: a short declarative table on the body-frame features; its numbers are what we know of
  the punches, set once, not fitted to the labelled corpus.
* :class:`LearnedTyper`: gradient-boosted trees trained on the labelled corpus (``make train``,
  ``bench/train.py``), shipped as ``models/strike_typer.json`` (docs/strike_typer.md is its model card).

``bench/accuracy.py --typer`` compares them leave-one-source-out; ADR 0014 says which one the product uses and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any, Protocol

import attrs
import numpy as np

from punch_core.detection.candidates import CandidateParams
from punch_core.detection.features import StrikeFeatures
from punch_core.errors import TrackFormatError
from punch_core.track import FloatArray

STRIKE_TYPES = ("straight", "hook", "uppercut")
MODEL_RESOURCE = "strike_typer.json"
MODEL_FORMAT = "punch-strike-typer"
STRIKE_PROBABILITY = 0.5
"""A learned typer reports a strike where its probability of being one (any type) is at least this: the plain
majority, not a figure fitted to the corpus."""


@attrs.frozen(kw_only=True)
class TypedStrike:
    """A typer's verdict on one candidate: its type (None: no strike) and how sure (0-1) it is a strike of it."""

    type: str | None
    confidence: float


class StrikeTyper(Protocol):
    """Types strike candidates."""

    name: str

    def classify(self, features: Sequence[StrikeFeatures]) -> list[TypedStrike]:
        """One verdict per candidate, in order."""
        ...


@attrs.frozen(kw_only=True)
class Rule:
    """One row of the rule table: the type, and what must hold (feature, ">=" or "<", bound)."""

    type: str
    conditions: tuple[tuple[str, str, float], ...]

    def holds(self, f: StrikeFeatures) -> bool:
        """Whether every condition holds (a NaN feature holds none)."""
        for name, op, bound in self.conditions:
            value = getattr(f, name)
            if not np.isfinite(value) or not (value >= bound if op == ">=" else value < bound):
                return False
        return True


RULES: tuple[Rule, ...] = (
    # No strike: a hand that barely moves out, or moves slower than any punch.
    Rule(type="none", conditions=(("reach", "<", 0.25), ("screen_reach", "<", 0.25))),
    Rule(type="none", conditions=(("speed_mps", "<", 1.5), ("screen_speed_mps", "<", 1.5))),
    # An uppercut rises with a bent arm.
    Rule(
        type="uppercut", conditions=(("rise", ">=", 0.35), ("up_speed_share", ">=", 0.6), ("elbow_angle_deg", "<", 140))
    ),
    # A hook travels across the body with the elbow up and the arm bent.
    Rule(type="hook", conditions=(("across", ">=", 0.3), ("elbow_up", ">=", -0.2), ("elbow_angle_deg", "<", 150))),
    # A straight drives forward (in the body frame), or, facing the camera where depth under-reads it, shows the
    # elbow rising behind a fist that stays in front of the face.
    Rule(type="straight", conditions=(("forward", ">=", 0.25),)),
    Rule(type="straight", conditions=(("view_frontal", ">=", 0.7), ("screen_elbow_rise", ">=", 0.2))),
)
"""The rule table, first match wins; no match is no strike."""


class RuleTableTyper:
    """The first row of ``RULES`` that holds types the candidate."""

    name = "rules"

    def __init__(self, rules: Sequence[Rule] = RULES) -> None:
        self._rules = tuple(rules)

    def classify(self, features: Sequence[StrikeFeatures]) -> list[TypedStrike]:
        """One verdict per candidate; the confidence grows with the reach and the speed."""
        out = []
        for f in features:
            rule = next((r for r in self._rules if r.holds(f)), None)
            if rule is None or rule.type == "none":
                out.append(TypedStrike(type=None, confidence=0.0))
                continue
            reach = max(_finite(f.reach), _finite(f.screen_reach))
            speed = max(_finite(f.speed_mps), _finite(f.screen_speed_mps))
            confidence = 0.4 + 0.3 * min(1.0, reach / 0.8) + 0.3 * min(1.0, speed / 6.0)
            out.append(TypedStrike(type=rule.type, confidence=float(np.clip(confidence, 0.0, 1.0))))
        return out


def _finite(value: float) -> float:
    return value if np.isfinite(value) else 0.0


@attrs.frozen(kw_only=True)
class _Tree:
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def predict(self, x: FloatArray) -> FloatArray:
        """The leaf value of each row of ``x`` (rows, features)."""
        node = np.zeros(x.shape[0], dtype=np.int64)
        feature, threshold = np.array(self.feature), np.array(self.threshold)
        left, right, value = np.array(self.left), np.array(self.right), np.array(self.value)
        for _ in range(64):
            inner = left[node] >= 0
            if not inner.any():
                break
            go_left = x[np.arange(x.shape[0]), np.maximum(feature[node], 0)] <= threshold[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        return np.asarray(value[node], dtype=np.float64)


class LearnedTyper:
    """A model trained on the labelled corpus, exported to plain arrays.

    Its probabilities are a softmax over none / straight / hook / uppercut of either ``learning_rate`` x the sum
    of gradient-boosted trees (``kind: trees``) or a linear function of the standardised features (``kind:
    linear``, multinomial logistic regression).

    Raises:
        TrackFormatError: if the model document is not one this version reads.
    """

    name = "learned"

    def __init__(self, model: dict[str, Any]) -> None:
        if model.get("format") != MODEL_FORMAT or model.get("version") != 1:
            raise TrackFormatError(f"not a strike typer model ({MODEL_FORMAT} version 1)")
        if tuple(model["features"]) != StrikeFeatures.names():
            raise TrackFormatError("the strike typer model was trained on other features: run make train")
        self.classes: tuple[str, ...] = tuple(model["classes"])
        self.kind = str(model.get("kind", "trees"))
        if self.kind == "linear":
            self._mean = np.array(model["mean"], dtype=np.float64)
            self._scale = np.array(model["scale"], dtype=np.float64)
            self._coef = np.array(model["coef"], dtype=np.float64)
            self._intercept = np.array(model["intercept"], dtype=np.float64)
        else:
            self._rate = float(model["learning_rate"])
            self._trees = [[_Tree(**{k: tuple(v) for k, v in t.items()}) for t in stage] for stage in model["trees"]]
        self.model = model

    @classmethod
    def packaged(cls) -> LearnedTyper:
        """The model that ships with the package."""
        text = (resources.files("punch_core.detection") / "models" / MODEL_RESOURCE).read_text(encoding="utf-8")
        return cls(json.loads(text))

    def probabilities(self, x: FloatArray) -> FloatArray:
        """Class probabilities, shape (rows, classes)."""
        if self.kind == "linear":
            raw = ((x - self._mean) / self._scale) @ self._coef.T + self._intercept
        else:
            raw = np.zeros((x.shape[0], len(self.classes)))
            for stage in self._trees:
                for c, tree in enumerate(stage):
                    raw[:, c] += self._rate * tree.predict(x)
        raw -= raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def classify(self, features: Sequence[StrikeFeatures]) -> list[TypedStrike]:
        """A strike where the strike types together are likelier than no strike, of its likeliest type.

        The confidence is the probability that it is a strike (any type); ``STRIKE_PROBABILITY`` is the cut.
        """
        if not features:
            return []
        probs = self.probabilities(np.stack([f.vector() for f in features]))
        none = self.classes.index("none")
        out = []
        for row in probs:
            strike = 1.0 - float(row[none])
            if strike < STRIKE_PROBABILITY:
                out.append(TypedStrike(type=None, confidence=strike))
                continue
            types = [(float(p), c) for p, c in zip(row, self.classes, strict=True) if c != "none"]
            out.append(TypedStrike(type=max(types)[1], confidence=strike))
        return out


@attrs.frozen(kw_only=True)
class DetectionParams:
    """The numbers of the staged strike detector and the typer it uses."""

    candidates: CandidateParams = attrs.field(factory=CandidateParams)
    simultaneous_s: float = 0.15
    """Two hands cannot both land within this long: the less confident one is the body's turn."""
    typer: Callable[[], StrikeTyper] = LearnedTyper.packaged
