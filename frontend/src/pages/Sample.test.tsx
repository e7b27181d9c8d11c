import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { AuthProvider } from "../auth";
import { renderWithProviders } from "../test/render";
import sample from "../sample/report.json";
import SamplePage from "./Sample";

// jsdom draws no canvas: the charts themselves are Chart.js's to draw.
vi.mock("react-chartjs-2", () => ({ Bar: () => null, Doughnut: () => null, Line: () => null }));

afterEach(() => vi.unstubAllGlobals());

describe("the sample report", () => {
  it("shows a real round's figures, rounds, charts and coaching to a visitor", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ error: { code: "not_signed_in", message: "sign in" } }), { status: 401 })));
    renderWithProviders(
      <MemoryRouter>
        <AuthProvider>
          <SamplePage />
        </AuthProvider>
      </MemoryRouter>,
    );
    expect(screen.getByRole("heading", { name: "Sample report" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Rounds and combinations" })).toBeInTheDocument();
    expect(screen.getByText(sample.coaching.summary)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Analyse a round" })).toHaveAttribute("href", "/login?next=%2Fupload");
    expect(sample.video).not.toHaveProperty("source"); // no file name of anyone's
  });
});
