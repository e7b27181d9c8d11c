import { afterEach, describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { OverlayDoc } from "../api/types";
import { renderWithProviders } from "../test/render";
import { OverlayDownload } from "./OverlayDownload";

const none: OverlayDoc = { status: "none", percent: 0, error: null, outdated: false, size_bytes: null, url: null };
const ready: OverlayDoc = {
  ...none,
  status: "ready",
  percent: 100,
  size_bytes: 12.5 * 1024 * 1024,
  url: "/api/v1/reports/a1/overlay/video",
};

/** The server's answers in order (the last one repeats), and the calls made. */
function serve(...answers: OverlayDoc[]) {
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      const body = answers.length > 1 ? answers.shift() : answers[0];
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the video with the skeleton", () => {
  it("is asked for, shows how far the drawing is, then downloads", async () => {
    const calls = serve(none, { ...none, status: "queued" }, { ...none, status: "rendering", percent: 42.4 }, ready);
    const user = userEvent.setup();
    renderWithProviders(<OverlayDownload analysisId="a1" />);
    await user.click(await screen.findByRole("button", { name: "Video with skeleton" }));
    expect(await screen.findByRole("button", { name: "Video queued…" })).toBeDisabled();
    expect(await screen.findByRole("button", { name: "Drawing the video… 42%" }, { timeout: 3000 })).toBeDisabled();
    const link = await screen.findByRole("link", { name: "Download video (12.5 MB)" }, { timeout: 3000 });
    expect(link).toHaveAttribute("href", "/api/v1/reports/a1/overlay/video");
    expect(link).toHaveAttribute("download");
    expect(calls).toEqual([
      "GET /api/v1/reports/a1/overlay",
      "POST /api/v1/reports/a1/overlay",
      "GET /api/v1/reports/a1/overlay",
      "GET /api/v1/reports/a1/overlay",
    ]);
  });

  it("keeps following the drawing after a failed poll", async () => {
    const answers: [number, OverlayDoc | { error: { code: string; message: string } }][] = [
      [200, none],
      [202, { ...none, status: "queued" }],
      [503, { error: { code: "unavailable", message: "the server is restarting" } }],
      [200, ready],
    ];
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        const [status, body] = answers.length > 1 ? answers.shift()! : answers[0];
        return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
      }),
    );
    const user = userEvent.setup();
    renderWithProviders(<OverlayDownload analysisId="a1" />);
    await user.click(await screen.findByRole("button", { name: "Video with skeleton" }));
    expect(await screen.findByRole("link", { name: /^Download video/ }, { timeout: 8000 })).toBeInTheDocument();
  }, 10000);

  it("offers to draw it again after the stamps were corrected", async () => {
    serve({ ...ready, outdated: true });
    renderWithProviders(<OverlayDownload analysisId="a1" />);
    expect(await screen.findByRole("button", { name: "Draw the video again with your corrections" })).toBeEnabled();
    expect(screen.queryByRole("link")).toBeNull();
  });

  it("says why it failed, in Korean on a Korean page, and can be tried again", async () => {
    serve({ ...none, status: "failed", error: "the overlay video could not be written: disk full" });
    renderWithProviders(<OverlayDownload analysisId="a1" />, "ko");
    expect(await screen.findByRole("alert")).toHaveTextContent("영상을 만들지 못했습니다: the overlay video could not be written");
    expect(screen.getByRole("button", { name: "영상 다시 시도" })).toBeEnabled();
  });
});
