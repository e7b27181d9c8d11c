import { describe, expect, it } from "vitest";
import type { Report } from "../api/types";
import { reportCsv } from "./reportCsv";

const report = {
  stamps: [
    { kind: "jab", category: "strike", hand: "lead", side: null, t_start_s: 1, t_peak_s: 1.2, t_end_s: 1.5, peak_speed_mps: 5.123456, confidence: 0.9 },
    { kind: "cross", category: "strike", hand: "rear", side: null, t_start_s: 2, t_peak_s: 2.2, t_end_s: 2.5, peak_speed_mps: null, confidence: 0.1 },
  ],
  metrics: { strikes_total: 1, combinations: { total: 0, patterns: [] }, rounds: [{ index: 1, strikes: 1 }], note: "=HYPERLINK(1)", fatigue: { rate_change_pct: -22.4 } },
} as unknown as Report;

describe("reportCsv", () => {
  it("lists every stamp, whether the metrics count it, and every metric by its path", () => {
    const lines = reportCsv(report, 0.3).trim().split("\r\n");
    expect(lines[0]).toBe("section,t_start_s,t_peak_s,t_end_s,kind,category,hand,side,peak_speed_mps,confidence,counted");
    expect(lines[1]).toBe("stamp,1,1.2,1.5,jab,strike,lead,,5.123,0.9,yes");
    expect(lines[2]).toBe("stamp,2,2.2,2.5,cross,strike,rear,,,0.1,no");
    expect(lines).toContain("metric,strikes_total,1");
    expect(lines).toContain("metric,combinations.total,0");
    expect(lines).toContain("metric,rounds.1.strikes,1");
    expect(lines).toContain("metric,fatigue.rate_change_pct,-22.4");
    // A spreadsheet never runs a formula from the file.
    expect(lines).toContain(`metric,note,"'=HYPERLINK(1)"`);
  });
});
