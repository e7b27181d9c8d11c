import { describe, expect, it, vi } from "vitest";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Coaching } from "../api/types";
import { renderWithProviders } from "../test/render";
import { CoachingView } from "./CoachingView";

const english: Coaching = {
  source: "offline",
  language: "en",
  summary: "Twelve punches in 1:00.",
  strengths: [],
  improvements: [{ text: "Keep your guard up.", evidence_t_s: [12.5] }],
  drills: [],
  next_session_goal: "Guard up 85% of the time.",
  model: "offline-rules-v1",
  fallback_reason: null,
};

describe("CoachingView", () => {
  it("names the coaching's language in the page's language and offers to rewrite it", async () => {
    const onRewrite = vi.fn();
    renderWithProviders(<CoachingView coaching={english} onSeek={() => undefined} onRewrite={onRewrite} />, "ko");
    expect(screen.getByText("코칭은 영어로 작성되었습니다.")).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "한국어로 다시 쓰기" }));
    expect(onRewrite).toHaveBeenCalledWith("ko");
  });

  it("offers no rewrite on a shared report, and nothing when the languages match", () => {
    renderWithProviders(<CoachingView coaching={english} onSeek={() => undefined} />, "ko");
    expect(screen.queryByRole("button", { name: /다시 쓰기/ })).toBeNull();
    renderWithProviders(<CoachingView coaching={english} onSeek={() => undefined} onRewrite={vi.fn()} />, "en");
    expect(screen.queryByText(/was written in/)).toBeNull();
  });
});
