// The boxer's corrections in the browser: a draft of the stamp list, the request that saves it, and the corrected
// round as labelled data (bench/labels format "punch-labels" version 1; docs/formats.md).
import type { Report, Stamp, StampEditBody, StampKind } from "../api/types";

export const STRIKE_KINDS: StampKind[] = ["jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut"];
export const EDITABLE_KINDS: StampKind[] = [...STRIKE_KINDS, "slip", "duck", "pull_back", "guard_drop"];
const DEFENCE: StampKind[] = ["slip", "duck", "pull_back"];

/** One stamp of the draft: the stamp as shown, and which detected stamp it came from (null: added). */
export interface DraftStamp {
  detected: number | null;
  stamp: Stamp;
}

/** The draft to start editing from: every stamp of the report, each knowing its detected stamp. */
export function draftOf(report: Report): DraftStamp[] {
  const corrected = Boolean(report.detected_stamps);
  return report.stamps.map((stamp, i) => {
    const from = stamp.features?.detected_index;
    return { detected: corrected ? (from == null ? null : Number(from)) : i, stamp };
  });
}

function categoryOf(kind: StampKind): Stamp["category"] {
  return STRIKE_KINDS.includes(kind) ? "strike" : DEFENCE.includes(kind) ? "defense" : "fault";
}

/** The stamp with another kind (and a hand that fits it: strikes of a "lead"/"rear" kind name their hand). */
export function retyped(stamp: Stamp, kind: StampKind): Stamp {
  const category = categoryOf(kind);
  let hand = stamp.hand;
  if (category === "defense") hand = "none";
  else if (kind === "jab" || kind.startsWith("lead_")) hand = "lead";
  else if (kind === "cross" || kind.startsWith("rear_")) hand = "rear";
  else if (hand === "none") hand = "lead";
  return { ...stamp, kind, category, hand, side: kind === "slip" ? (stamp.side ?? "left") : null };
}

/** A stamp the boxer adds at ``time``: a jab by default, 0.2 s out and 0.3 s back. */
export function addedAt(time: number, kind: StampKind = "jab"): Stamp {
  const base: Stamp = {
    kind: "jab",
    category: "strike",
    hand: "lead",
    side: null,
    t_start_s: Math.max(0, time - 0.2),
    t_peak_s: time,
    t_end_s: time + 0.3,
    peak_speed_mps: null,
    confidence: 1,
    features: { boxer_corrected: 1 },
  };
  return retyped(base, kind);
}

export function sortDraft(draft: DraftStamp[]): DraftStamp[] {
  return [...draft].sort((a, b) => a.stamp.t_peak_s - b.stamp.t_peak_s);
}

/** The body of PUT /reports/{id}/stamps. */
export function correctionBody(draft: DraftStamp[]): { stamps: StampEditBody[] } {
  return {
    stamps: draft.map(({ detected, stamp }) => ({
      detected,
      kind: stamp.kind,
      hand: stamp.hand,
      side: stamp.side,
      t_start_s: stamp.t_start_s,
      t_peak_s: stamp.t_peak_s,
      t_end_s: stamp.t_end_s,
    })),
  };
}

/** The corrected round as a labels file (bench/labels), for turning corrected rounds into labelled data. */
export function labelsOf(report: Report, clip: string): string {
  const subject = (report.video as { subject?: { x: number; y: number; w: number; h: number; t_s: number } }).subject;
  const events = report.stamps.map((s) => ({
    kind: s.kind,
    hand: s.category === "defense" ? "none" : s.hand,
    ...(s.kind === "slip" ? { side: s.side ?? "left" } : {}),
    t_start_s: s.t_start_s,
    t_peak_s: s.t_peak_s,
    t_end_s: s.t_end_s,
  }));
  const doc = {
    format: "punch-labels",
    version: 1,
    clip,
    source: "user-corrections",
    status: "labelled",
    stance: report.body.stance === "southpaw" ? "southpaw" : "orthodox",
    subject: subject ? `${Math.round(subject.x)},${Math.round(subject.y)},${Math.round(subject.w)},${Math.round(subject.h)}@${subject.t_s}` : "auto",
    subject_note: "corrected by the boxer in the report",
    events,
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}
