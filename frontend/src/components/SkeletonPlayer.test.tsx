import { createRef } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen } from "@testing-library/react";
import { RETRY_AFTER_LOAD_MS, SkeletonPlayer, withAttempt } from "./SkeletonPlayer";

function renderPlayer(onError = vi.fn(), renewAccess?: () => Promise<unknown>, src = "/api/v1/analyses/a1/video") {
  const videoRef = createRef<HTMLVideoElement>();
  const player = (address: string) => (
    <SkeletonPlayer
      src={address}
      showSkeleton
      videoRef={videoRef}
      label="Video"
      onError={onError}
      renewAccess={renewAccess}
    />
  );
  const { rerender } = render(player(src)); // plain render: rerender keeps the same tree, and its state
  return { video: screen.getByLabelText("Video") as HTMLVideoElement, onError, rerender, player };
}

/** Let the renewal's promise settle and React apply the new attempt. */
const settle = () => act(async () => undefined);

describe("SkeletonPlayer", () => {
  afterEach(() => vi.useRealTimers());

  it("reports a video that never loads at once", () => {
    const { video, onError } = renderPlayer();
    fireEvent.error(video);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(video.getAttribute("src")).toBe("/api/v1/analyses/a1/video");
  });

  it("asks the API again, once, when a video that played for a while fails (an expired signed URL)", async () => {
    vi.useFakeTimers();
    const { video, onError } = renderPlayer();
    fireEvent.loadedMetadata(video);
    vi.advanceTimersByTime(RETRY_AFTER_LOAD_MS + 1);
    video.currentTime = 42;
    fireEvent.error(video);
    await settle();
    expect(onError).not.toHaveBeenCalled();
    expect(video.getAttribute("src")).toBe("/api/v1/analyses/a1/video?attempt=1");
    // The fresh try fails before it loads: that is a real failure, shown to the boxer.
    fireEvent.error(video);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it("renews the session before asking again, and resumes where the boxer was", async () => {
    vi.useFakeTimers();
    const order: string[] = [];
    const renew = vi.fn(async () => {
      order.push(`renew while src=${screen.getByLabelText("Video").getAttribute("src")}`);
    });
    const { video, onError, rerender, player } = renderPlayer(vi.fn(), renew);
    fireEvent.loadedMetadata(video);
    vi.advanceTimersByTime(RETRY_AFTER_LOAD_MS + 1);
    video.currentTime = 42;
    fireEvent.error(video);
    await settle();
    expect(order).toEqual(["renew while src=/api/v1/analyses/a1/video"]);
    expect(video.getAttribute("src")).toBe("/api/v1/analyses/a1/video?attempt=1");
    video.currentTime = 0; // a new source starts at the beginning
    fireEvent.loadedMetadata(video);
    expect(video.currentTime).toBe(42);
    expect(onError).not.toHaveBeenCalled();
    // Another report: its address starts again without an attempt.
    rerender(player("/api/v1/analyses/a2/video"));
    expect(screen.getByLabelText("Video")).toBe(video);
    expect(video.getAttribute("src")).toBe("/api/v1/analyses/a2/video");
  });

  it("does not retry a failure right after loading", () => {
    vi.useFakeTimers();
    const { video, onError } = renderPlayer();
    fireEvent.loadedMetadata(video);
    vi.advanceTimersByTime(1000);
    fireEvent.error(video);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it("adds the attempt to any address", () => {
    expect(withAttempt("/v", 0)).toBe("/v");
    expect(withAttempt("/v", 2)).toBe("/v?attempt=2");
    expect(withAttempt("/v?x=1", 1)).toBe("/v?x=1&attempt=1");
  });
});
