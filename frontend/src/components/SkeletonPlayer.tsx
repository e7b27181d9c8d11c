import { useEffect, useRef, useState, type RefObject } from "react";
import { Box } from "@mui/material";
import type { PoseDoc } from "../api/types";
import { contentRect, drawSkeleton, nearestFrame } from "../lib/skeleton";

interface Props {
  src: string;
  pose?: PoseDoc | null;
  showSkeleton: boolean;
  videoRef: RefObject<HTMLVideoElement | null>;
  label: string;
  onError?: () => void;
  /** Called before the video is asked for again (the owner's page refreshes its session first). */
  renewAccess?: () => Promise<unknown>;
}

/** A failure this long after the video loaded is taken for an expired URL and asked again, once per load. */
export const RETRY_AFTER_LOAD_MS = 60_000;

/** The video's address for a fresh try: the API then answers again (with a new signed URL, if it gives those). */
export function withAttempt(src: string, attempt: number): string {
  return attempt === 0 ? src : `${src}${src.includes("?") ? "&" : "?"}attempt=${attempt}`;
}

/**
 * The video with a canvas over it, drawing the skeleton of the frame nearest the playback time: every animation
 * frame while playing, and after each seek, load or resize.
 */
/** The height of the browser's own video controls (Chromium's bar is 40-48 px). */
const CONTROLS_PX = 48;

export function SkeletonPlayer({ src, pose, showSkeleton, videoRef, label, onError, renewAccess }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  // The attempt belongs to one address: a new src starts again at 0 without a render at the old attempt.
  const [retry, setRetry] = useState({ src, attempt: 0 });
  const attempt = retry.src === src ? retry.attempt : 0;
  const loadedAt = useRef<number | null>(null);
  const resume = useRef<{ time: number; play: boolean } | null>(null);

  const handleLoaded = () => {
    const video = videoRef.current;
    loadedAt.current = Date.now();
    if (video && resume.current) {
      video.currentTime = resume.current.time;
      if (resume.current.play) video.play()?.catch(() => undefined);
      resume.current = null;
    }
  };
  const handleError = () => {
    const video = videoRef.current;
    const loaded = loadedAt.current;
    // A video that played for a while and then fails on a seek most likely lost its access: the session's
    // access cookie (15 minutes) or the bucket's signed URL (an hour) has expired. Renew it, ask the API again,
    // and carry on from where the boxer was; a failure before the new try loads is shown as it is.
    if (video && loaded !== null && Date.now() - loaded > RETRY_AFTER_LOAD_MS) {
      resume.current = { time: video.currentTime, play: !video.paused };
      loadedAt.current = null;
      const next = { src, attempt: attempt + 1 };
      void (renewAccess ? renewAccess().catch(() => undefined) : Promise.resolve()).then(() => setRetry(next));
      return;
    }
    onError?.();
  };
  useEffect(() => {
    const video = videoRef.current;
    const canvas = canvasRef.current;
    if (!video || !canvas) return;
    let frame = 0;
    const draw = () => {
      const ctx = canvas.getContext("2d");
      if (!ctx) return;
      const w = video.clientWidth;
      const h = video.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      if (!showSkeleton || !pose || pose.t_s.length === 0) return;
      const rect = contentRect(w, h, video.videoWidth || pose.width, video.videoHeight || pose.height);
      const index = nearestFrame(pose.t_s, video.currentTime);
      const tolerance = pose.fps > 0 ? 1.5 / pose.fps : 0.2;
      if (Math.abs(pose.t_s[index] - video.currentTime) > Math.max(tolerance, 0.1)) return;
      if (video.paused) {
        // Paused, the browser shows its controls along the bottom: the skeleton is not drawn over them.
        ctx.save();
        ctx.beginPath();
        ctx.rect(0, 0, w, Math.max(0, h - CONTROLS_PX));
        ctx.clip();
        drawSkeleton(ctx, pose.landmarks[index], rect);
        ctx.restore();
      } else {
        drawSkeleton(ctx, pose.landmarks[index], rect);
      }
    };
    const loop = () => {
      draw();
      if (!video.paused && !video.ended) frame = requestAnimationFrame(loop);
    };
    const onPlay = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(loop);
    };
    const events = ["seeked", "loadeddata", "pause", "timeupdate"] as const;
    events.forEach((name) => video.addEventListener(name, draw));
    video.addEventListener("play", onPlay);
    const observer = typeof ResizeObserver !== "undefined" ? new ResizeObserver(draw) : null;
    observer?.observe(video);
    draw();
    if (!video.paused) onPlay();
    return () => {
      cancelAnimationFrame(frame);
      events.forEach((name) => video.removeEventListener(name, draw));
      video.removeEventListener("play", onPlay);
      observer?.disconnect();
    };
  }, [pose, showSkeleton, videoRef]);

  const ratio = pose ? `${pose.width} / ${pose.height}` : "9 / 16";
  return (
    <Box
      sx={{
        position: "relative",
        width: "100%",
        // At most 40% of a phone's height (the video stays pinned while the stamps scroll under it), 70% above.
        maxWidth: {
          xs: `calc(40vh * ${pose ? pose.width / pose.height : 0.5625})`,
          md: `calc(70vh * ${pose ? pose.width / pose.height : 0.5625})`,
        },
        mx: "auto",
        aspectRatio: ratio,
        bgcolor: "#000",
        borderRadius: 4,
        overflow: "hidden",
      }}
    >
      <Box
        component="video"
        ref={videoRef}
        src={withAttempt(src, attempt)}
        controls
        playsInline
        preload="auto"
        aria-label={label}
        onLoadedMetadata={handleLoaded}
        onError={handleError}
        sx={{ position: "absolute", inset: 0, width: "100%", height: "100%", objectFit: "contain", display: "block" }}
      />
      <Box
        component="canvas"
        ref={canvasRef}
        aria-hidden
        data-testid="skeleton-canvas"
        sx={{ position: "absolute", inset: 0, width: "100%", height: "100%", pointerEvents: "none" }}
      />
    </Box>
  );
}
