"""Subject tracking: follow the boxer the user picked through every person the pose estimator found.

The pose estimator reports up to K people per frame, in no stable order. The user picks one box on one
thumbnail; :func:`follow_subject` walks forward and backward from that frame, each step taking the person whose
torso is where the subject's motion predicts and whose clothing colours (an appearance descriptor the adapter
measures) look like the subject's rather than the opponent's. When it cannot tell the two apart it drops the
frame (NaN) instead of guessing: a lost frame costs a little coverage, a switch to the opponent would put the
opponent's punches into the boxer's report.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt

from punch_core.errors import PoseQualityError, TrackFormatError
from punch_core.landmarks import Landmark
from punch_core.track import PoseTrack

Float32Array = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]

BOX_PAD = 0.08
# Torso lengths per second a boxer's centre can move (about 2.5 m/s), plus slack for one frame of noise.
MAX_SPEED_TORSOS_PER_S = 5.0
BASE_RADIUS_TORSOS = 0.5
# A torso this many times the tracked one's may be the boxer from one frame to the next (others around) ...
SIZE_RATIO = (0.6, 1.7)
# ... and when nobody else is in sight, or on coming back into view.
SIZE_RATIO_ALONE = (0.4, 2.5)
# After this long unseen, the subject may re-enter anywhere: only appearance can say who it is.
REACQUIRE_AFTER_S = 1.0
REACQUIRE_MAX_APPEARANCE = 0.45
# How much more like the opponent than like the subject a person must look to be refused.
OPPONENT_MARGIN = 0.08
# Two best candidates closer than this in cost and in appearance: refuse to choose.
AMBIGUOUS_COST = 0.15
AMBIGUOUS_APPEARANCE = 0.05
AMBIGUOUS_DISTANCE = 0.3
APPEARANCE_EMA = 0.1
MIN_ANCHOR_IOU = 0.2
DUPLICATE_OVERLAP = 0.75
DUPLICATE_TORSOS = 0.3


@attrs.frozen(kw_only=True)
class PersonBox:
    """A person on a frame: pixel box (top-left x, y, width, height) and a detector score 0-1."""

    x: float
    y: float
    w: float
    h: float
    score: float = 1.0

    def _intersection(self, other: PersonBox) -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        return ix * iy

    def iou(self, other: PersonBox) -> float:
        """Intersection over union with another box (0-1)."""
        inter = self._intersection(other)
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def overlap(self, other: PersonBox) -> float:
        """Intersection over the smaller box's area (0-1): 1 when one box lies inside the other."""
        smaller = min(self.w * self.h, other.w * other.h)
        return self._intersection(other) / smaller if smaller > 0 else 0.0

    def contains(self, x: float, y: float) -> bool:
        """Whether a pixel point lies inside the box."""
        return self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h

    def to_dict(self) -> dict[str, float]:
        """JSON-ready, pixels rounded to 0.1."""
        return {
            "x": round(self.x, 1),
            "y": round(self.y, 1),
            "w": round(self.w, 1),
            "h": round(self.h, 1),
            "score": round(self.score, 3),
        }


@attrs.frozen(kw_only=True)
class SubjectChoice:
    """The user's pick: a box in upright-frame pixels on the frame at ``t_s`` seconds."""

    box: PersonBox
    t_s: float


def _f64(value: object) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


def _f32(value: object) -> Float32Array:
    return np.asarray(value, dtype=np.float32)


def _check_people(instance: PeopleTrack, _attribute: object, _value: object) -> None:
    t, lm, app = instance.t_s, instance.landmarks, instance.appearance
    if lm.ndim != 4 or lm.shape[0] != t.shape[0] or lm.shape[2:] != (33, 4):
        raise TrackFormatError(f"landmarks must have shape (T={t.shape[0]}, K, 33, 4), got {lm.shape}")
    if app.ndim != 3 or app.shape[:2] != lm.shape[:2]:
        raise TrackFormatError(f"appearance must have shape (T, K={lm.shape[1]}, D), got {app.shape}")
    world = instance.world_m
    if world is not None and world.shape != (*lm.shape[:3], 3):
        raise TrackFormatError(f"world_m must have shape (T, K, 33, 3) like landmarks, got {world.shape}")


def _f32_or_none(value: object) -> Float32Array | None:
    return None if value is None else np.asarray(value, dtype=np.float32)


@attrs.frozen(eq=False, kw_only=True)
class PeopleTrack:
    """Everyone the pose estimator found, frame by frame, before the subject is chosen.

    Attributes:
        t_s: Frame times in seconds, shape (T,), strictly increasing.
        landmarks: Shape (T, K, 33, 4) float32, K people slots per frame in no stable order, each laid out as in
            :class:`~punch_core.track.PoseTrack`; an empty slot is NaN.
        appearance: Shape (T, K, D) float32: a non-negative descriptor per person (clothing colour histograms,
            each part summing to 1) compared with the Hellinger distance; NaN where unknown.
        width: Frame width in pixels.
        height: Frame height in pixels.
        world_m: Shape (T, K, 33, 3) float32 or None: each slot's world landmarks in metres (see
            :class:`~punch_core.track.PoseTrack`).
    """

    t_s: FloatArray = attrs.field(converter=_f64)
    landmarks: Float32Array = attrs.field(converter=_f32)
    appearance: Float32Array = attrs.field(converter=_f32, validator=_check_people)
    width: int
    height: int
    world_m: Float32Array | None = attrs.field(default=None, converter=_f32_or_none)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.t_s.shape[0])

    def present(self, frame: int) -> list[int]:
        """Slots holding a person on one frame."""
        xy = self.landmarks[frame, :, :, :2]
        return [k for k in range(xy.shape[0]) if np.all(np.isfinite(xy[k]))]

    def boxes(self, frame: int) -> list[PersonBox]:
        """The box of every person on one frame, duplicates removed (what a thumbnail shows)."""
        slots = _dedupe(self, frame, self.present(frame))
        return [person_box(self.landmarks[frame, k], self.width, self.height) for k in slots]


def person_box(landmarks: Float32Array, width: int, height: int) -> PersonBox:
    """The pixel box around one person's landmarks (33, 4), padded a little and clipped to the frame.

    Landmarks MediaPipe places outside the frame are left out when enough others are inside; hidden ones inside
    the frame count (a leg behind the opponent is still part of the boxer).
    """
    vis = np.nan_to_num(landmarks[:, 3], nan=0.0)
    xy = landmarks[:, :2]
    inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=1)
    pts = landmarks[inside if inside.sum() >= 5 else np.ones(len(vis), dtype=bool), :2].astype(np.float64)
    x0, y0 = np.nanmin(pts, axis=0)
    x1, y1 = np.nanmax(pts, axis=0)
    pad_x, pad_y = BOX_PAD * (x1 - x0), BOX_PAD * (y1 - y0)
    x0, x1 = max(0.0, x0 - pad_x) * width, min(1.0, x1 + pad_x) * width
    y0, y1 = max(0.0, y0 - 2 * pad_y) * height, min(1.0, y1 + pad_y) * height
    score = float(np.clip(vis.mean(), 0.0, 1.0))
    return PersonBox(x=float(x0), y=float(y0), w=float(max(x1 - x0, 1.0)), h=float(max(y1 - y0, 1.0)), score=score)


def _torso(landmarks: Float32Array, width: int, height: int) -> tuple[FloatArray, float]:
    """Torso centre in pixels and torso length in pixels (shoulder midpoint to hip midpoint, or a floor)."""
    px = landmarks[:, :2].astype(np.float64) * np.array([width, height])
    shoulders = (px[Landmark.LEFT_SHOULDER] + px[Landmark.RIGHT_SHOULDER]) / 2
    hips = (px[Landmark.LEFT_HIP] + px[Landmark.RIGHT_HIP]) / 2
    shoulder_w = float(np.linalg.norm(px[Landmark.LEFT_SHOULDER] - px[Landmark.RIGHT_SHOULDER]))
    length = max(float(np.linalg.norm(shoulders - hips)), 1.2 * shoulder_w, 0.02 * max(width, height))
    return (shoulders + hips) / 2, length


def hellinger(p: Float32Array, q: Float32Array) -> float:
    """Hellinger distance (0 same, 1 disjoint) between two descriptors; 0 when either is unknown.

    A descriptor made of several histograms (each summing to 1) gives the mean over its parts.
    """
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
        return 0.0
    total = float(np.sum(p))
    parts = max(round(total), 1)
    bc = float(np.sum(np.sqrt(np.clip(p, 0, None) * np.clip(q, 0, None)))) / parts
    return math.sqrt(max(0.0, 1.0 - bc))


def _dedupe(people: PeopleTrack, frame: int, slots: list[int]) -> list[int]:
    """Drop a slot that is the same person as a better one (the estimator sometimes reports a person twice).

    Two slots are one person when their landmarks nearly coincide (mean distance under a third of a torso);
    two boxers in a clinch overlap as boxes but not joint for joint.
    """
    if len(slots) < 2:
        return slots
    size = np.array([people.width, people.height], dtype=np.float64)
    keep: list[int] = []
    for k in sorted(slots, key=lambda k: -float(np.nanmean(people.landmarks[frame, k, :, 3]))):
        xy = people.landmarks[frame, k, :, :2].astype(np.float64) * size
        _centre, torso = _torso(people.landmarks[frame, k], people.width, people.height)
        if all(
            float(np.mean(np.linalg.norm(xy - people.landmarks[frame, j, :, :2].astype(np.float64) * size, axis=1)))
            > DUPLICATE_TORSOS * torso
            for j in keep
        ):
            keep.append(k)
    return keep


@attrs.define
class _State:
    centre: FloatArray
    torso_px: float
    appearance: Float32Array
    velocity: FloatArray
    last_t_s: float
    opponent: Float32Array | None = None
    # Where the other people were last seen: (centre px, velocity px/s, time s).
    others: list[tuple[FloatArray, FloatArray, float]] = attrs.Factory(list)

    def others_at(self, t_s: float) -> list[FloatArray]:
        """Predicted centres of the other people at ``t_s`` (those seen within the last second)."""
        return [c + v * min(abs(t_s - t0), 0.3) for c, v, t0 in self.others if abs(t_s - t0) <= REACQUIRE_AFTER_S]

    def see_others(self, centres: list[FloatArray], t_s: float, radius_px: float) -> None:
        """Update the other people from this frame's unchosen candidates; unseen ones coast."""
        updated: list[tuple[FloatArray, FloatArray, float]] = []
        previous = list(self.others)
        for centre in centres:
            velocity = np.zeros(2)
            if previous:
                dists = [float(np.linalg.norm(centre - (c + v * min(abs(t_s - t0), 0.3)))) for c, v, t0 in previous]
                j = int(np.argmin(dists))
                c0, v0, t0 = previous[j]
                if dists[j] < radius_px and t_s != t0:
                    velocity = 0.5 * v0 + 0.5 * (centre - c0) / abs(t_s - t0)
                    previous.pop(j)
            updated.append((centre, velocity, t_s))
        updated.extend(o for o in previous if abs(t_s - o[2]) <= REACQUIRE_AFTER_S)
        self.others = updated


@attrs.frozen(kw_only=True)
class SubjectResult:
    """The subject's pose track and where it was lost."""

    track: PoseTrack
    lost_spans_s: tuple[tuple[float, float], ...]


def follow_subject(people: PeopleTrack, choice: SubjectChoice) -> SubjectResult:
    """The chosen person's pose track over the whole video; NaN wherever they cannot be told apart or are gone.

    Raises:
        PoseQualityError: if nobody is found near the chosen box within a second of the chosen time.
    """
    anchor, slot = _anchor(people, choice)
    out = np.full((people.n_frames, 33, 4), np.nan, dtype=np.float32)
    world = None if people.world_m is None else np.full((people.n_frames, 33, 3), np.nan, dtype=np.float32)
    slots = np.full(people.n_frames, -1)
    slots[anchor] = slot
    for order in (range(anchor + 1, people.n_frames), range(anchor - 1, -1, -1)):
        state = _start_state(people, anchor, slot)
        for frame in order:
            chosen = _step(people, frame, state)
            if chosen is not None:
                slots[frame] = chosen
    found = np.flatnonzero(slots >= 0)
    out[found] = people.landmarks[found, slots[found]]
    if world is not None and people.world_m is not None:
        world[found] = people.world_m[found, slots[found]]
    track = PoseTrack(t_s=people.t_s.copy(), landmarks=out, width=people.width, height=people.height, world_m=world)
    return SubjectResult(track=track, lost_spans_s=lost_spans(track))


def _anchor(people: PeopleTrack, choice: SubjectChoice) -> tuple[int, int]:
    if people.n_frames == 0:
        raise PoseQualityError("the video has no frames to analyse")
    near = np.argsort(np.abs(people.t_s - choice.t_s), kind="stable")
    window = [int(f) for f in near if abs(people.t_s[f] - choice.t_s) <= 1.0] or [int(near[0])]
    box = choice.box
    box_centre = np.array([box.x + box.w / 2, box.y + box.h / 2])
    for frame in window:
        best: int | None = None
        best_score = 0.0
        for k in _dedupe(people, frame, people.present(frame)):
            centre, _torso_px = _torso(people.landmarks[frame, k], people.width, people.height)
            iou = person_box(people.landmarks[frame, k], people.width, people.height).iou(box)
            inside = box.contains(float(centre[0]), float(centre[1]))
            if not inside and iou < MIN_ANCHOR_IOU:
                continue
            # Prefer the torso nearest the box's centre: a thumbnail box may show only part of the body.
            closeness = 1.0 / (1.0 + float(np.linalg.norm(centre - box_centre)) / max(box.w, box.h))
            score = iou + float(inside) + closeness
            if score > best_score:
                best, best_score = k, score
        if best is not None:
            return frame, best
    raise PoseQualityError(
        f"no one was found in the box you picked at {choice.t_s:.1f} s: pick the box drawn around yourself on a "
        "thumbnail, or film so that your whole body is in frame"
    )


def _start_state(people: PeopleTrack, frame: int, slot: int) -> _State:
    centre, torso = _torso(people.landmarks[frame, slot], people.width, people.height)
    others = [k for k in _dedupe(people, frame, people.present(frame)) if k != slot]
    opponent = people.appearance[frame, others[0]].copy() if others else None
    t_s = float(people.t_s[frame])
    seen = [(_torso(people.landmarks[frame, j], people.width, people.height)[0], np.zeros(2), t_s) for j in others]
    return _State(
        others=seen,
        centre=centre,
        torso_px=torso,
        appearance=people.appearance[frame, slot].copy(),
        velocity=np.zeros(2),
        last_t_s=float(people.t_s[frame]),
        opponent=opponent,
    )


def _step(people: PeopleTrack, frame: int, state: _State) -> int | None:  # noqa: PLR0912, PLR0915 - one decision, kept whole
    slots = _dedupe(people, frame, people.present(frame))
    if not slots:
        return None
    t = float(people.t_s[frame])
    gap_s = abs(t - state.last_t_s)
    reacquire = gap_s > REACQUIRE_AFTER_S
    radius = BASE_RADIUS_TORSOS + MAX_SPEED_TORSOS_PER_S * gap_s
    predicted = state.centre + state.velocity * min(gap_s, 0.3)
    torsos = {j: _torso(people.landmarks[frame, j], people.width, people.height) for j in slots}
    alone = len(slots) == 1 and state.opponent is None and not state.others_at(t)
    scored: list[tuple[float, float, int, FloatArray, float]] = []
    for k in slots:
        centre, torso = torsos[k]
        distance = float(np.linalg.norm(centre - predicted)) / state.torso_px
        size_ratio = torso / state.torso_px
        look = hellinger(people.appearance[frame, k], state.appearance)
        opponent_look = hellinger(people.appearance[frame, k], state.opponent) if state.opponent is not None else 1.0
        if opponent_look + OPPONENT_MARGIN < look:
            continue
        if reacquire:
            # Back from out of view: only clothing can say who this is, and only if it is clearly not the opponent.
            if (
                look > REACQUIRE_MAX_APPEARANCE
                or look + OPPONENT_MARGIN > opponent_look
                or not SIZE_RATIO_ALONE[0] < size_ratio < SIZE_RATIO_ALONE[1]
            ):
                continue
            cost = 2.0 * look
        else:
            # The size check tells the boxer from someone at another distance; with nobody else in sight, and
            # nobody else seen so far, a size that changes at once is a cut, a zoom or a step towards the camera.
            low, high = SIZE_RATIO_ALONE if alone else SIZE_RATIO
            if distance > radius or not low < size_ratio < high:
                continue
            cost = distance / radius + 2.0 * look
        scored.append((cost, look, k, centre, torso))
    if not scored:
        return None
    scored.sort(key=lambda s: s[0])
    cost, look, k, centre, torso = scored[0]
    ambiguous = False
    if len(scored) > 1:
        cost2, look2 = scored[1][0], scored[1][1]
        ambiguous = cost2 - cost < AMBIGUOUS_COST and abs(look2 - look) < AMBIGUOUS_APPEARANCE
    if not reacquire and not ambiguous:
        # One person where two were a moment ago (the estimator lost one in the clinch): whose is it?
        own = float(np.linalg.norm(centre - predicted)) / state.torso_px
        opponent_look = hellinger(people.appearance[frame, k], state.opponent) if state.opponent is not None else look
        for other in state.others_at(t):
            theirs = float(np.linalg.norm(centre - other)) / state.torso_px
            if theirs < own + AMBIGUOUS_DISTANCE and abs(opponent_look - look) < AMBIGUOUS_APPEARANCE:
                ambiguous = True
    unchosen = [torsos[j][0] for j in slots if j != k]
    if ambiguous:
        # They overlap and look alike: coast on the predicted motion until they separate.
        if not reacquire:
            state.centre, state.last_t_s = predicted, t
        state.see_others(unchosen, t, radius * state.torso_px)
        return None
    state.see_others(unchosen, t, radius * state.torso_px)
    if gap_s > 0:
        step = (centre - state.centre) / gap_s
        state.velocity = 0.5 * state.velocity + 0.5 * step if not reacquire else np.zeros(2)
    state.centre, state.last_t_s = centre, t
    state.torso_px = 0.8 * state.torso_px + 0.2 * torso
    alone = all(float(np.linalg.norm(c - centre)) > 2.0 * state.torso_px for c in unchosen)
    new_look = people.appearance[frame, k]
    if alone and np.all(np.isfinite(new_look)):
        state.appearance = (1 - APPEARANCE_EMA) * state.appearance + APPEARANCE_EMA * new_look
        for j in slots:
            other = people.appearance[frame, j]
            if j != k and np.all(np.isfinite(other)):
                state.opponent = (
                    other.copy()
                    if state.opponent is None
                    else ((1 - APPEARANCE_EMA) * state.opponent + APPEARANCE_EMA * other)
                )
    return k


def lost_spans(track: PoseTrack, *, min_s: float = 0.25) -> tuple[tuple[float, float], ...]:
    """Stretches (start, end seconds) of at least ``min_s`` where the track has no pose."""
    spans: list[tuple[float, float]] = []
    has = track.has_pose
    start = None
    for i, ok in enumerate([*has.tolist(), True]):
        if not ok and start is None:
            start = i
        elif ok and start is not None:
            t0 = float(track.t_s[start])
            t1 = float(track.t_s[i]) if i < track.n_frames else float(track.t_s[-1]) + 1.0 / max(track.fps, 1.0)
            if t1 - t0 >= min_s:
                spans.append((round(t0, 2), round(t1, 2)))
            start = None
    return tuple(spans)
