import { describe, expect, it } from "vitest";
import type { Report, Stamp } from "../api/types";
import { addedAt, correctionBody, draftOf, labelsOf, retyped, sortDraft } from "./corrections";
import { changesOf } from "../components/StampEditor";

const stamp = (kind: Stamp["kind"], t: number, extra: Partial<Stamp> = {}): Stamp =>
  ({ kind, category: "strike", hand: "lead", side: null, t_start_s: t - 0.2, t_peak_s: t, t_end_s: t + 0.3, peak_speed_mps: 5, confidence: 0.9, features: {}, ...extra }) as Stamp;

const report = {
  stamps: [stamp("jab", 1), stamp("cross", 2, { hand: "rear" }), stamp("jab", 5)],
  body: { height_cm: 175, stance: "southpaw", experience: "beginner" },
  video: { duration_s: 10, fps: 30, width: 720, height: 1280, n_frames: 300, source: "round.mp4", subject: { x: 10.4, y: 20, w: 300, h: 700, t_s: 1.5 } },
} as unknown as Report;

describe("stamp corrections", () => {
  it("starts from the report's stamps, each knowing its detected index, and counts changes", () => {
    const initial = draftOf(report);
    expect(initial.map((d) => d.detected)).toEqual([0, 1, 2]);
    let draft = initial.filter((d) => d.detected !== 2); // delete the last jab
    draft = draft.map((d) => (d.detected === 1 ? { ...d, stamp: retyped(d.stamp, "rear_hook") } : d)); // retype
    draft = sortDraft([...draft, { detected: null, stamp: addedAt(3.5) }]); // add a missed one
    expect(changesOf(initial, draft)).toBe(3);
    expect(correctionBody(draft).stamps).toEqual([
      { detected: 0, kind: "jab", hand: "lead", side: null, t_start_s: 0.8, t_peak_s: 1, t_end_s: 1.3 },
      { detected: 1, kind: "rear_hook", hand: "rear", side: null, t_start_s: 1.8, t_peak_s: 2, t_end_s: 2.3 },
      { detected: null, kind: "jab", hand: "lead", side: null, t_start_s: 3.3, t_peak_s: 3.5, t_end_s: 3.8 },
    ]);
  });

  it("after a first correction, finds each stamp's detected index in its features", () => {
    const corrected = {
      ...report,
      detected_stamps: report.stamps,
      stamps: [stamp("jab", 1, { features: { detected_index: 0 } }), stamp("jab", 3.5, { features: { boxer_corrected: 1 } })],
    } as unknown as Report;
    expect(draftOf(corrected).map((d) => d.detected)).toEqual([0, null]);
  });

  it("retypes with a fitting hand and side", () => {
    expect(retyped(stamp("jab", 1), "cross").hand).toBe("rear");
    expect(retyped(stamp("jab", 1), "slip")).toMatchObject({ category: "defense", hand: "none", side: "left" });
    expect(retyped(stamp("jab", 1), "guard_drop")).toMatchObject({ category: "fault", hand: "lead" });
  });

  it("exports the corrected round in the labels format", () => {
    const labels = JSON.parse(labelsOf(report, "round.mp4"));
    expect(labels).toMatchObject({ format: "punch-labels", version: 1, clip: "round.mp4", status: "labelled", stance: "southpaw", subject: "10,20,300,700@1.5" });
    expect(labels.events).toHaveLength(3);
    expect(labels.events[1]).toEqual({ kind: "cross", hand: "rear", t_start_s: 1.8, t_peak_s: 2, t_end_s: 2.3 });
  });
});
