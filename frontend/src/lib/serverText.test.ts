import { describe, expect, it } from "vitest";
import { localizeServerText } from "./serverText";

describe("server failure sentences in the page's language", () => {
  it("says the common failures in Korean with their figures, and leaves English and unknown text alone", () => {
    const coverage = "the boxer was found in only 40% of the video (at least 50% is needed): film from further away";
    expect(localizeServerText(coverage, "ko")).toMatch(/^영상의 40%에서만 선수를 찾았습니다\(최소 50% 필요\)/);
    expect(localizeServerText("no one was found in the box you picked at 3.5 s: pick ...", "ko")).toMatch(/^3.5초에 고른 상자/);
    expect(localizeServerText(coverage, "en")).toBe(coverage);
    expect(localizeServerText("something new", "ko")).toBe("something new");
  });
});
