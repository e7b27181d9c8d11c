// Checks a chosen file in the browser before a byte is sent: what it really is (its first bytes, as the server
// checks it) and how long it is (the browser's own decoder reads the container's header). The server checks both
// again; this only saves the boxer an upload that would be refused.

export const MIN_SECONDS = 60;
export const MAX_SECONDS = 180;

export type Precheck =
  | { ok: true; durationS: number | null }
  | { ok: false; reason: "not_video"; what: string | null }
  | { ok: false; reason: "too_short" | "too_long"; durationS: number };

/** The container from the first bytes: "mp4" (MP4 / MOV), "webm", or null. */
export function sniffContainer(head: Uint8Array): "mp4" | "webm" | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.slice(from, to));
  if (head.length >= 12 && ["ftyp", "moov", "mdat", "wide", "free"].includes(ascii(4, 8))) return "mp4";
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "webm";
  return null;
}

/** What a non-video file is, in words the upload page can show, when its first bytes tell. */
export function describe(head: Uint8Array): string | null {
  const ascii = String.fromCharCode(...head.slice(0, 12));
  if (head[0] === 0x89 && ascii.slice(1, 4) === "PNG") return "PNG";
  if (head[0] === 0xff && head[1] === 0xd8) return "JPEG";
  if (ascii.startsWith("GIF8")) return "GIF";
  if (ascii.startsWith("%PDF")) return "PDF";
  if (ascii.slice(4, 12).startsWith("ftypheic")) return "HEIC";
  return null;
}

/** The video's length from its header, read by the browser; null when the browser cannot tell (let the server). */
export function browserDuration(file: Blob, timeoutMs = 5000): Promise<number | null> {
  if (typeof document === "undefined" || typeof URL.createObjectURL !== "function") return Promise.resolve(null);
  return new Promise((resolve) => {
    const video = document.createElement("video");
    const url = URL.createObjectURL(file);
    const done = (value: number | null) => {
      clearTimeout(timer);
      video.onloadedmetadata = null;
      video.onerror = null;
      // Detach and reset the element before the URL goes: a video still reading the file after its metadata
      // otherwise fails its next read of the revoked URL (net::ERR_FILE_NOT_FOUND in the console).
      video.removeAttribute("src");
      video.load();
      URL.revokeObjectURL(url);
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    video.preload = "metadata";
    video.onloadedmetadata = () => done(Number.isFinite(video.duration) ? video.duration : null);
    video.onerror = () => done(null);
    video.src = url;
  });
}

function readBytes(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === "function") return blob.arrayBuffer();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

export async function precheck(file: Blob, duration: (f: Blob) => Promise<number | null> = browserDuration): Promise<Precheck> {
  const head = new Uint8Array(await readBytes(file.slice(0, 64)));
  if (!sniffContainer(head)) {
    // HEIC photos start with an ftyp box too; anything else unknown is refused by the server as well.
    return { ok: false, reason: "not_video", what: describe(head) };
  }
  if (describe(head) === "HEIC") return { ok: false, reason: "not_video", what: "HEIC" };
  const durationS = await duration(file);
  if (durationS != null && durationS < MIN_SECONDS - 0.5) return { ok: false, reason: "too_short", durationS };
  if (durationS != null && durationS > MAX_SECONDS + 0.5) return { ok: false, reason: "too_long", durationS };
  return { ok: true, durationS };
}
