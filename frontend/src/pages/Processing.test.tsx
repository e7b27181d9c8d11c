import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import type { StatusDoc } from "../api/types";
import { renderWithProviders } from "../test/render";
import { ProcessingPage } from "./Processing";

const failed: StatusDoc = {
  analysis_id: "a1",
  status: "failed",
  stage: "stamps",
  percent: 85,
  error: "the boxer was found in only 40% of the video (at least 80% is needed)",
  done_stages: ["thumbnails", "pose"],
  video_id: "v1",
  specs: { height_cm: 175 },
  subject: null,
  language: "ko",
  created_at: "2026-12-07T10:00:00Z",
  updated_at: "2026-12-07T10:05:00Z",
};

vi.mock("../lib/liveStatus", () => ({
  followStatus: (_id: string, handlers: { onStatus: (s: StatusDoc, via: string) => void }) => {
    handlers.onStatus(failed, "websocket");
    return () => undefined;
  },
}));

afterEach(() => vi.unstubAllGlobals());

function renderAt(lang: "en" | "ko" = "en") {
  return renderWithProviders(
    <MemoryRouter initialEntries={["/processing/a1"]}>
      <Routes>
        <Route path="/processing/:analysisId" element={<ProcessingPage />} />
        <Route path="/configure/:analysisId" element={<p>configure page</p>} />
      </Routes>
    </MemoryRouter>,
    lang,
  );
}

describe("a failed analysis", () => {
  it("shows why, no frozen progress, and offers a retry, another upload and delete", () => {
    renderAt();
    expect(screen.getByRole("alert")).toHaveTextContent("found in only 40%");
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.queryByText("Loading…")).toBeNull();
    expect(screen.queryByText(/Live updates/)).toBeNull();
    expect(screen.getByRole("button", { name: "Try again" })).toBeEnabled();
    expect(screen.getByRole("link", { name: "Upload another video" })).toHaveAttribute("href", "/upload");
    expect(screen.getByRole("button", { name: "Delete this analysis" })).toBeInTheDocument();
  });

  it("is tried again without uploading: back to picking the boxer", async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        calls.push(`${request.method} ${new URL(request.url).pathname}`);
        const body = { ...failed, status: "created", stage: "thumbnails", error: null, done_stages: ["thumbnails"] };
        return new Response(JSON.stringify(body), { status: 202, headers: { "content-type": "application/json" } });
      }),
    );
    renderAt("ko");
    await userEvent.setup().click(screen.getByRole("button", { name: "다시 시도" }));
    expect(await screen.findByText("configure page")).toBeInTheDocument();
    expect(calls).toEqual(["POST /api/v1/analyses/a1/retry"]);
  });
});
