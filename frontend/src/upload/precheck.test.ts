import { afterEach, describe, expect, it, vi } from "vitest";
import { browserDuration, precheck, sniffContainer } from "./precheck";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
const mp4 = () => new Blob([bytes([0, 0, 0, 24], "ftypisom", new Array(52).fill(0))]);

describe("checking a file before it is sent", () => {
  it("tells MP4/MOV and WebM by their first bytes, as the server does", () => {
    expect(sniffContainer(bytes([0, 0, 0, 24], "ftypqt  "))).toBe("mp4");
    expect(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3], [0, 0, 0, 0]))).toBe("webm");
    expect(sniffContainer(bytes("%PDF-1.7 xxxx"))).toBeNull();
  });

  it("refuses a photo or a document, naming it, without asking its length", async () => {
    let asked = false;
    const duration = async () => ((asked = true), 90);
    expect(await precheck(new Blob([bytes([0x89], "PNG\r\n\x1a\n", [0, 0, 0, 0])]), duration)).toEqual({ ok: false, reason: "not_video", what: "PNG" });
    expect(await precheck(new Blob([bytes([0, 0, 0, 24], "ftypheic", [0, 0, 0, 0])]), duration)).toEqual({ ok: false, reason: "not_video", what: "HEIC" });
    expect(asked).toBe(false);
  });

  it("refuses a clip shorter than a minute or longer than three before uploading it", async () => {
    expect(await precheck(mp4(), async () => 12)).toEqual({ ok: false, reason: "too_short", durationS: 12 });
    expect(await precheck(mp4(), async () => 600)).toEqual({ ok: false, reason: "too_long", durationS: 600 });
    expect(await precheck(mp4(), async () => 62)).toEqual({ ok: true, durationS: 62 });
    // A length the browser cannot read is left to the server.
    expect(await precheck(mp4(), async () => null)).toEqual({ ok: true, durationS: null });
  });
});

describe("reading the length in the browser", () => {
  afterEach(() => vi.restoreAllMocks());

  it("stops the video reading the file before it lets the file's URL go", async () => {
    const calls: string[] = [];
    let made: HTMLVideoElement | null = null;
    const create = document.createElement.bind(document);
    vi.spyOn(document, "createElement").mockImplementation((tag: string) => {
      const element = create(tag);
      if (tag === "video") {
        made = element as HTMLVideoElement;
        Object.defineProperty(made, "duration", { value: 95 });
        made.load = () => void calls.push(`load, src ${made?.hasAttribute("src") ? "kept" : "gone"}`);
      }
      return element;
    });
    Object.assign(URL, { createObjectURL: () => "blob:clip", revokeObjectURL: (url: string) => void calls.push(`revoke ${url}`) });
    const length = browserDuration(mp4());
    (made as HTMLVideoElement | null)?.onloadedmetadata?.(new Event("loadedmetadata"));
    expect(await length).toBe(95);
    expect(calls).toEqual(["load, src gone", "revoke blob:clip"]);
  });
});
