import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Stamp } from "../api/types";
import { renderWithProviders } from "../test/render";
import { StampStepper, currentStampIndex } from "./StampStepper";

const stamp = (kind: Stamp["kind"], t: number): Stamp =>
  ({ kind, category: "strike", hand: "lead", side: null, t_start_s: t - 0.2, t_peak_s: t, t_end_s: t + 0.3, peak_speed_mps: 5, confidence: 0.9 }) as Stamp;
const stamps = [stamp("jab", 2), stamp("cross", 4), stamp("jab", 9)];

describe("StampStepper", () => {
  it("knows the stamp being checked", () => {
    expect(currentStampIndex(stamps, 0)).toBe(-1);
    expect(currentStampIndex(stamps, 3.85)).toBe(1);
    expect(currentStampIndex(stamps, 20)).toBe(2);
  });

  it("steps to the next and previous stamp and plays slower on request", async () => {
    const onSeek = vi.fn();
    const onRate = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<StampStepper stamps={stamps} currentTime={3.9} onSeek={onSeek} rate={1} onRate={onRate} />);
    expect(screen.getByRole("status")).toHaveTextContent("2/3 · Cross · 0:04.0 · 5.0 m/s · 90%");
    await user.click(screen.getByRole("button", { name: "Next stamp" }));
    expect(onSeek).toHaveBeenLastCalledWith(8.8);
    await user.click(screen.getByRole("button", { name: "Previous stamp" }));
    expect(onSeek).toHaveBeenLastCalledWith(1.8);
    await user.click(screen.getByRole("button", { name: "0.25×" }));
    expect(onRate).toHaveBeenCalledWith(0.25);
    for (const button of screen.getAllByRole("button")) expect(button).toBeVisible();
  });
});
