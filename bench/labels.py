"""Label files: read and check them, convert the thai-boxing source labels, and measure two passes' agreement.

Usage:
    .venv/bin/python bench/labels.py check                 # every clip labelled? every file valid? counts
    .venv/bin/python bench/labels.py agree DIR_A DIR_B     # agreement of two independent passes (label folders)
    .venv/bin/python bench/labels.py merge DIR_A DIR_B     # their agreed events, and the disputes to resolve
    .venv/bin/python bench/labels.py thai [--out DIR]      # the thai-boxing source labels in our format

The format is in docs/formats.md ("Labels"); how to label is in bench/labels/GUIDE.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import LABELS, LABELS_FORMAT, LABELS_VERSION, MEDIA, Clip, clips, read_track
from bench.scoring import DEFENSE_KINDS, FAMILIES, STRIKE_KINDS, Event, match_events

from punch_core.landmarks import Landmark

HANDED = {*STRIKE_KINDS, "block", "guard_drop"}
KINDS = {*STRIKE_KINDS, *DEFENSE_KINDS, "block", "guard_drop", "unsure"}
AGREEMENT_TOLERANCE_S = 0.2


class LabelError(ValueError):
    """A label file that breaks the format; the message names the file, the event and what is expected."""


def parse_event(raw: dict[str, Any], where: str) -> Event:
    """One event of a label file, checked.

    Raises:
        LabelError: naming ``where`` and what is expected.
    """
    kind = raw.get("kind")
    if kind not in KINDS:
        raise LabelError(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
    hand = raw.get("hand", "none")
    if kind in HANDED and hand not in ("lead", "rear"):
        raise LabelError(f"{where}: a {kind} needs hand lead or rear, got {hand!r}")
    if kind not in HANDED and hand != "none":
        raise LabelError(f"{where}: a {kind} has hand none, got {hand!r}")
    side = raw.get("side")
    if (kind == "slip") != (side is not None) or side not in (None, "left", "right"):
        raise LabelError(f"{where}: side (left or right) is given for slips and only for slips, got {side!r}")
    try:
        t_start, t_peak, t_end = (float(raw[k]) for k in ("t_start_s", "t_peak_s", "t_end_s"))
    except (KeyError, TypeError, ValueError):
        raise LabelError(f"{where}: t_start_s, t_peak_s and t_end_s must be numbers of seconds") from None
    if not 0 <= t_start <= t_peak <= t_end:
        raise LabelError(f"{where}: needs 0 <= t_start_s <= t_peak_s <= t_end_s, got {t_start}, {t_peak}, {t_end}")
    return Event(kind=kind, hand=hand, t_peak_s=t_peak, t_start_s=t_start, t_end_s=t_end, side=side)


@attrs.frozen(kw_only=True)
class LabelDoc:
    """A checked label file: what the scorer needs of it."""

    stance: str
    subject: str
    families: tuple[str, ...]
    events: tuple[Event, ...]


def parse_document(doc: dict[str, Any], where: str) -> LabelDoc:
    """A label document, checked.

    Raises:
        LabelError: for a document or an event that breaks the format.
    """
    if doc.get("format") != LABELS_FORMAT or doc.get("version") != LABELS_VERSION:
        raise LabelError(f"{where}: expected format {LABELS_FORMAT!r} version {LABELS_VERSION}")
    if doc.get("disputes"):
        raise LabelError(f"{where}: {len(doc['disputes'])} disputes between the passes are not resolved yet")
    status = doc.get("status")
    if status == "unlabellable":
        if not doc.get("reason") or doc.get("events"):
            raise LabelError(f"{where}: an unlabellable clip says why (reason) and has no events")
        return LabelDoc(stance="orthodox", subject="auto", families=(), events=())
    if status != "labelled":
        raise LabelError(f"{where}: status must be labelled or unlabellable, got {status!r}")
    if doc.get("stance") not in ("orthodox", "southpaw"):
        raise LabelError(f"{where}: stance must be orthodox or southpaw, got {doc.get('stance')!r}")
    families = doc.get("families", list(FAMILIES))
    if not isinstance(families, list) or not set(families) <= set(FAMILIES):
        raise LabelError(f"{where}: families must be a list of {list(FAMILIES)}, got {families!r}")
    raw_events = doc.get("events")
    if not isinstance(raw_events, list):
        raise LabelError(f"{where}: events must be a list")
    events = [parse_event(raw, f"{where} event {i}") for i, raw in enumerate(raw_events)]
    for i, event in enumerate(events):
        if event.family != "unsure" and event.family not in families:
            raise LabelError(f"{where} event {i}: a {event.kind} in a file whose families are {families}")
    spans = [e for e in events if e.kind == "unsure"]
    for i, event in enumerate(events):
        if event.kind != "unsure" and any(s.t_start_s <= event.t_peak_s <= s.t_end_s for s in spans):
            raise LabelError(
                f"{where} event {i}: a {event.kind} peaks inside an unsure span: shorten the span or drop the event"
            )
    return LabelDoc(
        stance=doc["stance"],
        subject=str(doc.get("subject") or "auto"),
        families=tuple(families),
        events=tuple(sorted(events, key=lambda e: e.t_peak_s)),
    )


def read_labels(path: Path, clip: Clip) -> LabelDoc:
    """One checked label file that must describe ``clip``.

    Raises:
        LabelError: for a file that breaks the format or names another clip.
    """
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("clip") != clip.path:
        raise LabelError(f"{path}: names clip {doc.get('clip')!r}, expected {clip.path!r}")
    return parse_document(doc, str(path))


def _counts(events: list[Event]) -> Counter[str]:
    """Events by family (strikes, defence, block, guard_drop, unsure) and by kind."""
    counts: Counter[str] = Counter()
    for event in events:
        family = {"strike": "strikes", "defense": "defence"}.get(event.family, event.family)
        counts[family] += 1
        if event.kind != family:
            counts[event.kind] += 1
    return counts


def check() -> int:
    """Print what is labelled and what is not; 1 when a clip has no label file or a file is invalid."""
    problems: list[str] = []
    by_source: dict[str, Counter[str]] = {}
    for clip in clips():
        if not clip.label_file.is_file():
            problems.append(f"{clip.path}: no label file ({clip.label_file.relative_to(LABELS.parent.parent)})")
            continue
        try:
            events = list(read_labels(clip.label_file, clip).events)
        except (LabelError, json.JSONDecodeError) as exc:
            problems.append(str(exc))
            continue
        row = by_source.setdefault(clip.source, Counter())
        row["clips"] += 1
        row.update(_counts(events))
    columns = ["clips", "strikes", "defence", "block", "guard_drop", "unsure"]
    print(f"{'source':28}" + "".join(f"{c:>11}" for c in columns))
    total: Counter[str] = Counter()
    for source, row in sorted(by_source.items()):
        total.update(row)
        print(f"{source:28}" + "".join(f"{row[c]:11d}" for c in columns))
    print(f"{'all':28}" + "".join(f"{total[c]:11d}" for c in columns))
    print("by kind: " + ", ".join(f"{k} {total[k]}" for k in sorted(KINDS) if total[k]))
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


@attrs.frozen(kw_only=True)
class Agreement:
    """How two passes over the same clips agree: events matched within 0.2 s with the same kind."""

    a_events: int
    b_events: int
    agreed: int
    same_time_other_kind: int

    @property
    def share(self) -> float:
        """Agreed events over the mean of the two passes' counts (the Dice coefficient)."""
        total = self.a_events + self.b_events
        return 2 * self.agreed / total if total else 1.0


def agreement(a: list[Event], b: list[Event]) -> Agreement:
    """Agreement of two passes' events of one clip (``unsure`` spans left out of both)."""
    a = [e for e in a if e.kind != "unsure"]
    b = [e for e in b if e.kind != "unsure"]
    pairs = match_events(a, b, AGREEMENT_TOLERANCE_S)
    agreed = sum(a[i].kind == b[j].kind and a[i].hand == b[j].hand for i, j in pairs)
    return Agreement(a_events=len(a), b_events=len(b), agreed=agreed, same_time_other_kind=len(pairs) - agreed)


def agree(dir_a: Path, dir_b: Path) -> int:
    """Print the agreement of two label folders per source and overall."""
    per_source: dict[str, list[int]] = {}
    for clip in clips():
        file_a = dir_a / clip.source / clip.label_file.name
        file_b = dir_b / clip.source / clip.label_file.name
        if not (file_a.is_file() and file_b.is_file()):
            continue
        result = agreement(list(read_labels(file_a, clip).events), list(read_labels(file_b, clip).events))
        row = per_source.setdefault(clip.source, [0, 0, 0, 0, 0])
        for k, value in enumerate((1, result.a_events, result.b_events, result.agreed, result.same_time_other_kind)):
            row[k] += value
    print(f"{'source':28}{'clips':>6}{'pass A':>8}{'pass B':>8}{'agreed':>8}{'other kind':>11}{'agreement':>10}")
    total = [0, 0, 0, 0, 0]
    for source, row in [*sorted(per_source.items()), ("all", total)]:
        if source != "all":
            total = [x + y for x, y in zip(total, row, strict=True)]
            row_out = row
        else:
            row_out = total
        clips_n, n_a, n_b, agreed, other = row_out
        share = 2 * agreed / (n_a + n_b) if n_a + n_b else 1.0
        print(f"{source:28}{clips_n:6d}{n_a:8d}{n_b:8d}{agreed:8d}{other:11d}{share:10.2f}")
    return 0


def _event_dict(event: Event) -> dict[str, Any]:
    raw: dict[str, Any] = {"kind": event.kind, "hand": event.hand}
    if event.side is not None:
        raw["side"] = event.side
    raw |= {"t_start_s": event.t_start_s, "t_peak_s": event.t_peak_s, "t_end_s": event.t_end_s}
    return raw


def merge_passes(a: dict[str, Any], b: dict[str, Any], where: str) -> dict[str, Any]:
    """One label document from two passes' documents: the events both agree on (same kind, hand and side, peaks
    within 0.2 s; times averaged), every unsure span of either, and a ``disputes`` list of the rest for a third
    look (a file with disputes is refused by :func:`parse_document` until they are resolved)."""
    doc_a, doc_b = parse_document(a, f"{where} (pass a)"), parse_document(b, f"{where} (pass b)")
    sure_a = [e for e in doc_a.events if e.kind != "unsure"]
    sure_b = [e for e in doc_b.events if e.kind != "unsure"]
    events: list[dict[str, Any]] = []
    disputes: list[dict[str, Any]] = []
    pairs = match_events(sure_a, sure_b, AGREEMENT_TOLERANCE_S)
    for i, j in pairs:
        ea, eb = sure_a[i], sure_b[j]
        if (ea.kind, ea.hand, ea.side) == (eb.kind, eb.hand, eb.side):
            merged = _event_dict(ea)
            for key in ("t_start_s", "t_peak_s", "t_end_s"):
                merged[key] = round((getattr(ea, key) + getattr(eb, key)) / 2, 3)
            events.append(merged)
        else:
            disputes.append({"a": _event_dict(ea), "b": _event_dict(eb)})
    disputes += [{"a": _event_dict(e)} for i, e in enumerate(sure_a) if i not in {p[0] for p in pairs}]
    disputes += [{"b": _event_dict(e)} for j, e in enumerate(sure_b) if j not in {p[1] for p in pairs}]
    events += [_event_dict(e) for e in (*doc_a.events, *doc_b.events) if e.kind == "unsure"]
    for key in ("stance", "subject"):
        if a.get(key, "auto") != b.get(key, "auto"):
            disputes.append({key: {"a": a.get(key, "auto"), "b": b.get(key, "auto")}})
    doc: dict[str, Any] = {k: a[k] for k in ("format", "version", "clip", "source", "status") if k in a}
    doc |= {"stance": a.get("stance"), "subject": a.get("subject", "auto")}
    if a.get("subject_note"):
        doc["subject_note"] = a["subject_note"]
    doc["passes"] = {
        "a": len(sure_a),
        "b": len(sure_b),
        "agreed": len(events) - sum(1 for e in events if e["kind"] == "unsure"),
        "disputed": len(disputes),
    }
    doc["events"] = sorted(events, key=lambda e: e["t_peak_s"])
    if a.get("status") == "unlabellable" and b.get("status") == "unlabellable":
        doc = {**doc, "status": "unlabellable", "reason": a.get("reason"), "events": []}
    elif a.get("status") != b.get("status"):
        disputes.append({"status": {"a": a.get("status"), "b": b.get("status")}})
    if disputes:
        doc["disputes"] = disputes
    return doc


def merge(dir_a: Path, dir_b: Path, out_dir: Path, only: set[str] | None = None) -> int:
    """Merge two label folders into ``out_dir`` (only the clips in ``only`` when given); prints each clip's
    disputes count. Existing files are kept."""
    for clip in clips():
        if only is not None and clip.path not in only:
            continue
        file_a = dir_a / clip.source / clip.label_file.name
        file_b = dir_b / clip.source / clip.label_file.name
        target = out_dir / clip.source / clip.label_file.name
        if not (file_a.is_file() and file_b.is_file()) or target.exists():
            continue
        a = json.loads(file_a.read_text(encoding="utf-8"))
        b = json.loads(file_b.read_text(encoding="utf-8"))
        doc = merge_passes(a, b, clip.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        print(f"{clip.path}: {len(doc.get('disputes', []))} disputes")
    return 0


THAI_KIND = {"straight": ("jab", "cross"), "hook": ("lead_hook", "rear_hook")}


def thai(out_dir: Path) -> int:
    """Write the thai-boxing source labels in our format, one file per landmarks CSV.

    The source gives each strike's label (``straight_left_head``) and its start and end; the peak is the frame of
    greatest reach from its shoulder, inside that span, of whichever wrist moves out most (full extension). Which
    hand leads is each file's stance (``thai-boxing-stances.json``): the source's left is an orthodox boxer's lead.
    """
    source_labels = json.loads((MEDIA / "thai-boxing" / "labels.json").read_text(encoding="utf-8"))
    stances = json.loads((LABELS / "thai-boxing-stances.json").read_text(encoding="utf-8"))
    for clip in clips():
        if clip.source != "thai-boxing":
            continue
        name = Path(clip.path).name
        track = read_track(clip)
        assert track is not None
        stance = stances[name]["stance"]
        events = []
        for raw in source_labels[name]:
            shape, side, *rest = raw["source_label"].split("_")
            lead_side = "left" if stance == "orthodox" else "right"
            hand = "lead" if side == lead_side else "rear"
            kind = THAI_KIND[shape][hand == "rear"]
            # MediaPipe names a side-on boxer's arms inconsistently (the far arm is often called the near
            # one), so the peak is the reach of whichever wrist moves out most in the span, not of the named one.
            span = (track.t_s >= raw["t_start_s"]) & (track.t_s <= raw["t_end_s"])
            reaches = []
            for wrist, shoulder in (
                (Landmark.LEFT_WRIST, Landmark.LEFT_SHOULDER),
                (Landmark.RIGHT_WRIST, Landmark.RIGHT_SHOULDER),
            ):
                reach = np.linalg.norm(
                    (track.landmarks[:, wrist, :2] - track.landmarks[:, shoulder, :2]) * [track.width, track.height],
                    axis=1,
                )
                reach = np.where(np.isfinite(reach), reach, np.nan)
                reaches.append(np.where(span, reach - np.nanmedian(reach), -np.inf))
            reach = np.nan_to_num(max(reaches, key=lambda r: float(np.nanmax(r))), nan=-np.inf)
            t_peak = float(track.t_s[int(np.argmax(reach))])
            event: dict[str, Any] = {
                "kind": kind,
                "hand": hand,
                "t_start_s": raw["t_start_s"],
                "t_peak_s": round(t_peak, 3),
                "t_end_s": raw["t_end_s"],
            }
            if rest:
                event["target"] = rest[0]
            event["note"] = f"source label {raw['source_label']}; peak: the moving wrist's greatest reach in the span"
            events.append(event)
        doc = {
            "format": LABELS_FORMAT,
            "version": LABELS_VERSION,
            "clip": clip.path,
            "source": clip.source,
            "status": "labelled",
            "stance": stance,
            "subject": "auto",
            "subject_note": stances[name]["note"],
            "families": ["strike"],
            "events": events,
        }
        path = out_dir / clip.source / clip.label_file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {len(events)} strikes")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check")
    agree_args = sub.add_parser("agree")
    agree_args.add_argument("dir_a", type=Path)
    agree_args.add_argument("dir_b", type=Path)
    merge_args = sub.add_parser("merge")
    merge_args.add_argument("dir_a", type=Path)
    merge_args.add_argument("dir_b", type=Path)
    merge_args.add_argument("--out", type=Path, default=LABELS)
    merge_args.add_argument("--only", type=Path, help="a file listing the clips to merge (one path a line)")
    thai_args = sub.add_parser("thai")
    thai_args.add_argument("--out", type=Path, default=LABELS)
    args = parser.parse_args()
    if not MEDIA.is_dir():
        sys.exit(f"needs the clips in {MEDIA} (the ../shared folder beside the project)")
    if args.command == "check":
        return check()
    if args.command == "agree":
        return agree(args.dir_a, args.dir_b)
    if args.command == "merge":
        only = {line.split()[0] for line in args.only.read_text().splitlines() if line.strip()} if args.only else None
        return merge(args.dir_a, args.dir_b, args.out, only)
    return thai(args.out)


if __name__ == "__main__":
    raise SystemExit(main())
