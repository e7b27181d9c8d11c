import { describe, expect, it } from "vitest";
import type { Stamp } from "../api/types";
import { trustedStamps } from "./trusted";

function stamp(kind: Stamp["kind"], category: Stamp["category"], peak: number, confidence: number, features = {}): Stamp {
  return {
    kind,
    category,
    hand: category === "defense" ? "none" : "lead",
    side: null,
    t_start_s: peak - 0.2,
    t_peak_s: peak,
    t_end_s: peak + 0.2,
    confidence,
    peak_speed_mps: category === "strike" ? 5 : null,
    features,
  };
}

describe("trustedStamps", () => {
  it("keeps what the coach may speak from, and a guard drop only with its strike", () => {
    const sure = stamp("jab", "strike", 1, 0.9);
    const unsure = stamp("cross", "strike", 3, 0.1);
    const dropWithSure = stamp("guard_drop", "fault", 1, 0.8, { strike_peak_s: 1 });
    const dropWithUnsure = stamp("guard_drop", "fault", 3, 0.8, { strike_peak_s: 3 });
    const slip = stamp("slip", "defense", 5, 0.6);
    expect(trustedStamps([sure, unsure, dropWithSure, dropWithUnsure, slip], 0.3)).toEqual([sure, dropWithSure, slip]);
  });

  it("keeps everything without a cut (reports made before it existed)", () => {
    const stamps = [stamp("jab", "strike", 1, 0.05)];
    expect(trustedStamps(stamps, 0)).toEqual(stamps);
  });
});
