import { describe, expect, it, vi, afterEach } from "vitest";
import { screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { SWRConfig } from "swr";
import type { Report } from "../api/types";
import { renderWithProviders } from "../test/render";
import ComparePage, { change } from "./Compare";

const report = (spm: number, guard: number, drops: number) =>
  ({
    video: { duration_s: 120 },
    metrics: {
      strikes_total: spm * 2,
      strikes_per_minute: spm,
      mean_hand_speed_mps: 5,
      peak_hand_speed_mps: 8,
      guard_discipline: guard,
      guard_drops: drops,
      head_movements_per_minute: 3,
      mean_return_to_guard_s: 0.4,
      combinations: { total: 2 },
      duration_s: 120,
    },
  }) as unknown as Report;

afterEach(() => vi.unstubAllGlobals());

describe("comparing two sessions", () => {
  it("says the change in percent, or in units from zero", () => {
    expect(change(20, 25)).toBe("+25%");
    expect(change(0.8, 0.6)).toBe("-25%");
    expect(change(0, 3)).toBe("+3.0");
    expect(change(null, 3)).toBe("–");
  });

  it("shows both sessions' figures with the change, better in green and worse in red", async () => {
    const reports: Record<string, Report> = { a1: report(20, 0.6, 4), b2: report(30, 0.75, 6) };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        const id = new URL(request.url).pathname.split("/").pop()!;
        return new Response(JSON.stringify(reports[id]), { status: 200, headers: { "content-type": "application/json" } });
      }),
    );
    renderWithProviders(
      <SWRConfig value={{ provider: () => new Map() }}>
        <MemoryRouter initialEntries={["/compare/a1/b2"]}>
          <Routes>
            <Route path="/compare/:a/:b" element={<ComparePage />} />
          </Routes>
        </MemoryRouter>
      </SWRConfig>,
    );
    const rate = await screen.findByRole("row", { name: /Punches per minute/ });
    expect(within(rate).getAllByRole("cell").map((c) => c.textContent)).toEqual(["20.0", "30.0", "+50%"]);
    const drops = screen.getByRole("row", { name: /Guard drops/ });
    expect(within(drops).getByText("+50%")).toHaveStyle({ fontWeight: "700" });
  });
});
