import { describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Metrics } from "../api/types";
import { renderWithProviders } from "../test/render";
import { SessionTables } from "./SessionTables";

const metrics: Metrics = {
  duration_s: 200,
  seen_s: 190,
  counts: { jab: 30, cross: 20 },
  strikes_total: 50,
  strikes_per_minute: 15.8,
  lead_share: 0.6,
  rear_share: 0.4,
  combinations: {
    max_gap_s: 0.8,
    total: 7,
    strikes_in_combinations_share: 0.3,
    patterns: [
      { pattern: "1-2", count: 5, mean_speed_mps: 5.4, t_peak_s: [12.3, 40.1, 70, 130, 150] },
      { pattern: "1-2-3", count: 2, mean_speed_mps: null, t_peak_s: [90, 160] },
    ],
  },
  work_rate: [],
  rounds: [
    { index: 1, t_start_s: 0, t_end_s: 92.5, strikes: 30, strikes_per_minute: 19.5, mean_hand_speed_mps: 5.2, guard_discipline: 0.8 },
    { index: 2, t_start_s: 120, t_end_s: 200, strikes: 20, strikes_per_minute: 15, mean_hand_speed_mps: 4.8, guard_discipline: 0.7 },
  ],
  mean_hand_speed_mps: 5,
  peak_hand_speed_mps: 8,
  mean_return_to_guard_s: 0.4,
  guard_discipline: 0.75,
  guard_drops: 3,
  head_movements_per_minute: 2,
  active_time_s: 120,
  idle_time_s: 80,
  fatigue: {
    first_third_strikes_per_minute: 20,
    last_third_strikes_per_minute: 15.5,
    rate_change_pct: -22.4,
    first_third_mean_speed_mps: 5,
    last_third_mean_speed_mps: 5.2,
    speed_change_pct: 3,
  },
};

describe("SessionTables", () => {
  it("shows a corner sheet per round, combinations with speed, and the last third against the first", () => {
    renderWithProviders(<SessionTables metrics={metrics} />);
    const rows = within(screen.getByRole("region", { name: "Rounds" })).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent("Round 1");
    expect(rows[1]).toHaveTextContent("0:00–1:33");
    expect(rows[2]).toHaveTextContent("70%");
    expect(screen.getByText(/1-2 · Jab – Cross$/)).toBeInTheDocument();
    expect(screen.getByText(/1-2-3 · Jab – Cross – Lead hook/)).toBeInTheDocument();
    expect(screen.getByText("5.4 m/s")).toBeInTheDocument();
    expect(screen.getByText(/-22% punches per minute, \+3% speed/)).toBeInTheDocument();
    expect(screen.getByText("2:00")).toBeInTheDocument(); // active time
  });

  it("seeks to a combination's first use, and says so in Korean", async () => {
    const onSeek = vi.fn();
    renderWithProviders(<SessionTables metrics={metrics} onSeek={onSeek} />, "ko");
    await userEvent.setup().click(screen.getByRole("button", { name: /1-2 · 잽 – 크로스$/ }));
    expect(onSeek).toHaveBeenCalledWith(11.8);
    expect(screen.getByText("1라운드")).toBeInTheDocument();
  });
});
