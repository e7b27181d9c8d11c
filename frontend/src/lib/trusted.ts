import type { Stamp } from "../api/types";

/**
 * The stamps the coach and the report's figures use: at or above the round's confidence cut, and a guard drop only
 * with its strike (as `punch_core.detection.confidence.trusted` decides on the server).
 */
export function trustedStamps(stamps: Stamp[], cut: number): Stamp[] {
  const strikes = new Set(stamps.filter((s) => s.category === "strike" && s.confidence >= cut).map((s) => s.t_peak_s));
  return stamps.filter((s) =>
    s.kind === "guard_drop" ? s.confidence >= cut && strikes.has(s.features.strike_peak_s ?? NaN) : s.confidence >= cut,
  );
}
