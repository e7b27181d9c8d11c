import { describe, expect, it } from "vitest";
import { contentRect, nearestFrame, skeletonSegments, toCanvas } from "./skeleton";
import type { Landmark } from "../api/types";

describe("skeleton maths", () => {
  it("letterboxes a portrait video in a landscape element (bars left and right)", () => {
    const rect = contentRect(800, 640, 360, 640);
    expect(rect).toEqual({ x: 220, y: 0, w: 360, h: 640 });
  });

  it("letterboxes a landscape video in a portrait element (bars top and bottom)", () => {
    const rect = contentRect(390, 700, 1280, 720);
    expect(rect.w).toBeCloseTo(390);
    expect(rect.h).toBeCloseTo(219.375);
    expect(rect.y).toBeCloseTo((700 - 219.375) / 2);
    expect(rect.x).toBe(0);
  });

  it("maps normalised landmarks into the picture, not the bars", () => {
    const rect = contentRect(800, 640, 360, 640);
    expect(toCanvas([0, 0, 1], rect)).toEqual([220, 0]);
    expect(toCanvas([1, 1, 1], rect)).toEqual([580, 640]);
    expect(toCanvas([0.5, 0.25, 1], rect)).toEqual([400, 160]);
  });

  it("finds the frame nearest a time", () => {
    const times = [0, 0.0667, 0.1333, 0.2];
    expect(nearestFrame(times, -1)).toBe(0);
    expect(nearestFrame(times, 0.07)).toBe(1);
    expect(nearestFrame(times, 0.11)).toBe(2);
    expect(nearestFrame(times, 5)).toBe(3);
    expect(nearestFrame([], 1)).toBe(-1);
  });

  it("draws only connections whose ends are visible", () => {
    const landmarks: Landmark[] = Array.from({ length: 33 }, () => [0.5, 0.5, 0.9] as Landmark);
    landmarks[13] = [0.4, 0.4, 0.1]; // left elbow hidden
    const segments = skeletonSegments(landmarks, { x: 0, y: 0, w: 100, h: 100 });
    const all = skeletonSegments(
      Array.from({ length: 33 }, () => [0.5, 0.5, 0.9] as Landmark),
      { x: 0, y: 0, w: 100, h: 100 },
    );
    expect(all.length - segments.length).toBe(2); // shoulder-elbow and elbow-wrist
    expect(all.find((s) => s.side === "left")).toBeDefined();
  });
});
