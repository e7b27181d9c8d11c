import { createRef } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import { RETRY_AFTER_LOAD_MS, SkeletonPlayer, withAttempt } from "./SkeletonPlayer";
import { renderWithProviders } from "../test/render";

function renderPlayer(onError = vi.fn()) {
  const videoRef = createRef<HTMLVideoElement>();
  renderWithProviders(
    <SkeletonPlayer src="/api/v1/analyses/a1/video" showSkeleton videoRef={videoRef} label="Video" onError={onError} />,
  );
  return { video: screen.getByLabelText("Video") as HTMLVideoElement, onError };
}

describe("SkeletonPlayer", () => {
  afterEach(() => vi.useRealTimers());

  it("reports a video that never loads at once", () => {
    const { video, onError } = renderPlayer();
    fireEvent.error(video);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(video.getAttribute("src")).toBe("/api/v1/analyses/a1/video");
  });

  it("asks the API again, once, when a video that played for a while fails (an expired signed URL)", () => {
    vi.useFakeTimers();
    const { video, onError } = renderPlayer();
    fireEvent.loadedMetadata(video);
    vi.advanceTimersByTime(RETRY_AFTER_LOAD_MS + 1);
    video.currentTime = 42;
    fireEvent.error(video);
    expect(onError).not.toHaveBeenCalled();
    expect(video.getAttribute("src")).toBe("/api/v1/analyses/a1/video?attempt=1");
    // The fresh try fails before it loads: that is a real failure, shown to the boxer.
    fireEvent.error(video);
    expect(onError).toHaveBeenCalledTimes(1);
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
