import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { StampTimeline, seekTimeOf } from "./StampTimeline";
import { renderWithProviders } from "../test/render";
import type { Stamp } from "../api/types";

const stamp = (kind: Stamp["kind"], category: Stamp["category"], t: number, speed: number | null = null): Stamp => ({
  kind,
  category,
  hand: "lead",
  side: null,
  t_start_s: t - 0.2,
  t_peak_s: t,
  t_end_s: t + 0.3,
  confidence: 0.9,
  peak_speed_mps: speed,
  features: {},
});

const stamps = [stamp("jab", "strike", 2.5, 5.1), stamp("slip", "defense", 10), stamp("guard_drop", "fault", 30)];

describe("StampTimeline", () => {
  it("seeks to a stamp's start when clicked", async () => {
    const user = userEvent.setup();
    const onSeek = vi.fn();
    renderWithProviders(<StampTimeline stamps={stamps} duration={60} currentTime={0} onSeek={onSeek} />);
    await user.click(screen.getByRole("button", { name: "Slip, 0:10.0" }));
    expect(onSeek).toHaveBeenCalledWith(9.8);
    expect(seekTimeOf(stamp("jab", "strike", 0.1))).toBe(0);
  });

  it("is one tab stop with arrow keys between stamps", async () => {
    const user = userEvent.setup();
    const onSeek = vi.fn();
    renderWithProviders(<StampTimeline stamps={stamps} duration={60} currentTime={0} onSeek={onSeek} />);
    await user.tab();
    expect(screen.getByRole("button", { name: "Jab, 0:02.5, 5.1 m/s" })).toHaveFocus();
    await user.keyboard("{ArrowRight}{ArrowRight}");
    expect(screen.getByRole("button", { name: "Guard drop, 0:30.0" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(onSeek).toHaveBeenLastCalledWith(29.8);
    await user.keyboard("{Home} ");
    expect(onSeek).toHaveBeenLastCalledWith(2.3);
  });

  it("marks the stamp under the playhead as current", () => {
    renderWithProviders(<StampTimeline stamps={stamps} duration={60} currentTime={10.1} onSeek={() => undefined} />);
    expect(screen.getByRole("button", { name: "Slip, 0:10.0" })).toHaveAttribute("aria-current", "true");
    expect(screen.getByRole("button", { name: "Jab, 0:02.5, 5.1 m/s" })).not.toHaveAttribute("aria-current");
  });
});
