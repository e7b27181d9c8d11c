// Drawing the pose skeleton over a <video>: where the picture sits inside the element (object-fit: contain
// letterboxing), landmark → canvas coordinates, and the frame nearest a playback time.
import type { Landmark } from "../api/types";

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The picture's rectangle inside an element of elementW × elementH showing a videoW × videoH video (contain). */
export function contentRect(elementW: number, elementH: number, videoW: number, videoH: number): Rect {
  if (elementW <= 0 || elementH <= 0 || videoW <= 0 || videoH <= 0) return { x: 0, y: 0, w: elementW, h: elementH };
  const scale = Math.min(elementW / videoW, elementH / videoH);
  const w = videoW * scale;
  const h = videoH * scale;
  return { x: (elementW - w) / 2, y: (elementH - h) / 2, w, h };
}

/** A normalised landmark (0–1 on the upright frame) in canvas pixels. */
export function toCanvas(landmark: Landmark, rect: Rect): [number, number] {
  return [rect.x + landmark[0] * rect.w, rect.y + landmark[1] * rect.h];
}

/** Index of the frame whose time is nearest `t` (binary search over increasing times); -1 for no frames. */
export function nearestFrame(times: readonly number[], t: number): number {
  if (times.length === 0) return -1;
  let lo = 0;
  let hi = times.length - 1;
  if (t <= times[lo]) return lo;
  if (t >= times[hi]) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid;
    else hi = mid;
  }
  return t - times[lo] <= times[hi] - t ? lo : hi;
}

/** MediaPipe Pose's body connections (face mesh left out, eyes to nose kept as the head). */
export const CONNECTIONS: readonly [number, number][] = [
  [0, 2], [0, 5], [2, 7], [5, 8], [9, 10],
  [11, 12], [11, 13], [13, 15], [12, 14], [14, 16],
  [15, 17], [15, 19], [15, 21], [17, 19], [16, 18], [16, 20], [16, 22], [18, 20],
  [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [27, 29], [29, 31], [27, 31], [24, 26], [26, 28], [28, 30], [30, 32], [28, 32],
];

/** Landmarks on the boxer's left side (MediaPipe: the person's own left). */
const LEFT = new Set([1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]);
const RIGHT = new Set([4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]);

export interface Segment {
  from: [number, number];
  to: [number, number];
  side: "left" | "right" | "centre";
}

/** The line segments to draw for one frame: connections whose two ends are visible enough. */
export function skeletonSegments(landmarks: readonly Landmark[], rect: Rect, minVisibility = 0.4): Segment[] {
  const segments: Segment[] = [];
  for (const [a, b] of CONNECTIONS) {
    const p = landmarks[a];
    const q = landmarks[b];
    if (!p || !q || p[2] < minVisibility || q[2] < minVisibility) continue;
    const side = LEFT.has(a) && LEFT.has(b) ? "left" : RIGHT.has(a) && RIGHT.has(b) ? "right" : "centre";
    segments.push({ from: toCanvas(p, rect), to: toCanvas(q, rect), side });
  }
  return segments;
}

const COLOURS = { left: "#4fc3f7", right: "#ffb74d", centre: "#e0e0e0" } as const;

/** Draws one frame's skeleton on a 2D context whose units are CSS pixels. */
export function drawSkeleton(ctx: CanvasRenderingContext2D, landmarks: readonly Landmark[] | null, rect: Rect): void {
  if (!landmarks) return;
  const scale = Math.max(1.5, Math.min(4, rect.h / 220));
  ctx.lineCap = "round";
  ctx.lineWidth = scale;
  for (const segment of skeletonSegments(landmarks, rect)) {
    ctx.strokeStyle = COLOURS[segment.side];
    ctx.beginPath();
    ctx.moveTo(...segment.from);
    ctx.lineTo(...segment.to);
    ctx.stroke();
  }
  ctx.fillStyle = "#ffffff";
  for (const index of [0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]) {
    const p = landmarks[index];
    if (!p || p[2] < 0.4) continue;
    const [x, y] = toCanvas(p, rect);
    ctx.beginPath();
    ctx.arc(x, y, scale * 1.3, 0, Math.PI * 2);
    ctx.fill();
  }
}
