import { describe, expect, it } from "vitest";
import { formatTime } from "./format";

describe("formatTime", () => {
  it("pads seconds under ten and carries a rounded minute", () => {
    expect(formatTime(75.3)).toBe("1:15.3");
    expect(formatTime(75.3, 0)).toBe("1:15");
    expect(formatTime(9.96)).toBe("0:10.0");
    expect(formatTime(9.6, 0)).toBe("0:10");
    expect(formatTime(59.96)).toBe("1:00.0");
    expect(formatTime(3.04)).toBe("0:03.0");
    expect(formatTime(-1)).toBe("0:00.0");
  });
});
