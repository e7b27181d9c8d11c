import { describe, expect, it } from "vitest";
import { ApiError, apiErrorFrom, errorMessage } from "./errors";
import { translate, type MessageKey, type Vars } from "../i18n/strings";

const en = (key: MessageKey, vars?: Vars) => translate("en", key, vars);
const ko = (key: MessageKey, vars?: Vars) => translate("ko", key, vars);

describe("API error → message", () => {
  it("reads the server's error document", () => {
    const error = apiErrorFrom(422, {
      error: { code: "invalid", message: "height_cm must be 100-250", request_id: "r1", fields: { height_cm: "too small" } },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.code).toBe("invalid");
    expect(error.fields).toEqual({ height_cm: "too small" });
    expect(error.requestId).toBe("r1");
  });

  it("keeps the specifics the server gives for a refused video", () => {
    const error = apiErrorFrom(422, { error: { code: "invalid_video", message: "the video must be 1-3 minutes long" } });
    expect(errorMessage(error, en)).toBe("Some details need fixing. (the video must be 1-3 minutes long)");
  });

  it("speaks the boxer's language for the kind of problem", () => {
    const error = apiErrorFrom(415, { error: { code: "unsupported", message: "not a video" } });
    expect(errorMessage(error, ko)).toContain("읽을 수 있는 영상이 아닙니다");
  });

  it("uses Retry-After for rate limits", () => {
    const error = apiErrorFrom(429, { error: { code: "rate_limited", message: "at most 5 uploads an hour" } }, "42");
    // Which limit was reached, in the server's words: "Wait 359 seconds" alone did not say why.
    expect(errorMessage(error, en)).toBe("Too many requests. Wait 42 seconds and try again. (at most 5 uploads an hour)");
  });

  it("gives a reference for server errors, not the internal message", () => {
    const error = apiErrorFrom(500, { error: { code: "internal", message: "Traceback…", request_id: "abc123" } });
    const text = errorMessage(error, en);
    expect(text).toContain("Something went wrong on our side");
    expect(text).toContain("abc123");
    expect(text).not.toContain("Traceback");
  });

  it("handles bodies that are not error documents and network failures", () => {
    expect(apiErrorFrom(502, "<html>bad gateway</html>").code).toBe("http_502");
    expect(errorMessage(new ApiError(0, "network", "Failed to fetch"), en)).toMatch(/could not reach the server/);
    expect(errorMessage(new TypeError("x"), en)).toBe("Something went wrong. Try again.");
  });
});
