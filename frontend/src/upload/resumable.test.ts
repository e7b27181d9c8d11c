import { describe, expect, it } from "vitest";
import { chooseChunkSize, fingerprint, uploadResumable, UploadStore, type FileLike, type SendChunk } from "./resumable";

/** A fake upload server speaking the API's protocol, recording every request. */
function fakeServer(options: { failChunkOnce?: boolean; knownUpload?: { id: string; received: number } } = {}) {
  const uploads = new Map<string, { size: number; received: number; status: string }>();
  if (options.knownUpload) uploads.set(options.knownUpload.id, { size: 0, received: options.knownUpload.received, status: "receiving" });
  const calls: string[] = [];
  let failed = false;
  let next = 1;
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const doc = (id: string) => {
    const u = uploads.get(id)!;
    return { id, received_offset: u.received, status: u.status, chunk_size_hint: 8 << 20, size_bytes: u.size };
  };
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    calls.push(`${request.method} ${url.pathname}${url.search}`);
    let match: RegExpMatchArray | null;
    if (request.method === "POST" && url.pathname === "/api/v1/uploads") {
      const body = (await request.json()) as { size_bytes: number };
      const id = `up${next++}`;
      uploads.set(id, { size: body.size_bytes, received: 0, status: "receiving" });
      return json(200, doc(id));
    }
    if ((match = url.pathname.match(/^\/api\/v1\/uploads\/(\w+)\/chunks$/))) {
      const upload = uploads.get(match[1])!;
      const offset = Number(url.searchParams.get("offset"));
      const bytes = (await request.arrayBuffer()).byteLength;
      if (options.failChunkOnce && !failed && offset > 0) {
        failed = true;
        return json(503, { error: { code: "unavailable", message: "store down" } });
      }
      if (offset > upload.received) return json(409, { error: { code: "conflict", message: "resume at" } });
      upload.received = Math.max(upload.received, offset + bytes);
      return json(200, doc(match[1]));
    }
    if ((match = url.pathname.match(/^\/api\/v1\/uploads\/(\w+)\/complete$/))) {
      uploads.get(match[1])!.status = "complete";
      return json(200, { video_id: "v1", analysis_id: `an-${match[1]}` });
    }
    if ((match = url.pathname.match(/^\/api\/v1\/uploads\/(\w+)$/))) {
      return uploads.has(match[1]) ? json(200, doc(match[1])) : json(404, { error: { code: "not_found", message: "gone" } });
    }
    return json(404, { error: { code: "not_found", message: "?" } });
  };
  return { fetch, calls, uploads };
}

function makeFile(size: number, name = "round.mp4"): FileLike {
  const blob = new Blob([new Uint8Array(size)], { type: "video/mp4" });
  return Object.assign(blob, { name, lastModified: 1700000000000 }) as FileLike;
}

function memoryStorage() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

const noSleep = async () => undefined;

describe("resumable upload", () => {
  it("picks small chunks for small files and the server's hint for large ones", () => {
    expect(chooseChunkSize(2_000_000, 8 << 20)).toBe(512 * 1024);
    expect(chooseChunkSize(400 << 20, 8 << 20)).toBe(8 << 20);
    expect(chooseChunkSize(60 << 20, 8 << 20)).toBe(8 << 20); // whole pieces, not size / 20
    expect(chooseChunkSize(8 << 20, 8 << 20)).toBe(512 * 1024); // not larger than the hint: about 20 chunks
  });

  it("reports bytes within a chunk as they leave, when the sender can tell (XMLHttpRequest upload events)", async () => {
    const server = fakeServer();
    const store = new UploadStore(memoryStorage());
    const file = makeFile(20 << 20); // 20 MiB: 8 MiB chunks, the case that sat at 0% and jumped
    const progress: number[] = [];
    const sendChunk: SendChunk = async (path, body, onSent) => {
      for (const share of [0.25, 0.5, 0.75]) onSent(Math.round(body.size * share));
      const response = await server.fetch(new Request(new URL(path, "http://localhost").toString(), { method: "PUT", body }));
      onSent(body.size);
      return response.json();
    };
    await uploadResumable(file, { fetch: server.fetch, store, sendChunk, onProgress: (sent) => progress.push(sent), sleep: noSleep });
    const firstChunk = progress.filter((p) => p > 0 && p <= 8 << 20);
    expect(firstChunk).toEqual([2 << 20, 4 << 20, 6 << 20, 8 << 20, 8 << 20]);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(20 << 20);
  });

  it("uploads in chunks, completes and forgets the stored upload", async () => {
    const server = fakeServer();
    const store = new UploadStore(memoryStorage());
    const file = makeFile(1_500_000);
    const progress: number[] = [];
    const done = await uploadResumable(file, { fetch: server.fetch, store, onProgress: (sent) => progress.push(sent), sleep: noSleep });
    expect(done.analysis_id).toBe("an-up1");
    expect(server.calls.filter((c) => c.startsWith("PUT")).length).toBe(3);
    expect(progress.at(-1)).toBe(1_500_000);
    expect(store.get(fingerprint(file))).toBeUndefined();
  });

  it("resumes after a reload from the server's offset, matching the same file", async () => {
    const server = fakeServer();
    const storage = memoryStorage();
    const file = makeFile(1_500_000);
    const controller = new AbortController();
    // First page: stop after the first chunk (as a reload would).
    await expect(
      uploadResumable(file, {
        fetch: server.fetch,
        store: new UploadStore(storage),
        signal: controller.signal,
        onProgress: (sent) => sent > 0 && controller.abort(),
        sleep: noSleep,
      }),
    ).rejects.toMatchObject({ name: "AbortError" });
    const saved = new UploadStore(storage).get(fingerprint(file));
    expect(saved?.uploadId).toBe("up1");
    expect(saved?.receivedOffset).toBe(512 * 1024);

    // After the reload: the same file (name, size, lastModified) continues the same upload.
    server.calls.length = 0;
    let resumedAt = -1;
    const done = await uploadResumable(makeFile(1_500_000), {
      fetch: server.fetch,
      store: new UploadStore(storage),
      onResume: (offset) => (resumedAt = offset),
      sleep: noSleep,
    });
    expect(resumedAt).toBe(512 * 1024);
    expect(server.calls[0]).toBe("GET /api/v1/uploads/up1");
    expect(server.calls).not.toContain("POST /api/v1/uploads");
    expect(server.calls.find((c) => c.startsWith("PUT"))).toBe(`PUT /api/v1/uploads/up1/chunks?offset=${512 * 1024}`);
    expect(done.analysis_id).toBe("an-up1");
  });

  it("starts again when the server no longer knows the stored upload", async () => {
    const server = fakeServer();
    const storage = memoryStorage();
    const file = makeFile(600_000);
    new UploadStore(storage).save(fingerprint(file), {
      uploadId: "gone",
      name: file.name,
      size: file.size,
      lastModified: file.lastModified,
      receivedOffset: 100,
      savedAt: Date.now(),
    });
    const done = await uploadResumable(file, { fetch: server.fetch, store: new UploadStore(storage), sleep: noSleep });
    expect(server.calls.slice(0, 2)).toEqual(["GET /api/v1/uploads/gone", "POST /api/v1/uploads"]);
    expect(done.analysis_id).toBe("an-up1");
  });

  it("retries a failed chunk from where the server says", async () => {
    const server = fakeServer({ failChunkOnce: true });
    const done = await uploadResumable(makeFile(1_200_000), {
      fetch: server.fetch,
      store: new UploadStore(memoryStorage()),
      sleep: noSleep,
    });
    expect(done.analysis_id).toBe("an-up1");
    expect(server.calls).toContain("GET /api/v1/uploads/up1");
  });

  it("does not match a different file with the same name", () => {
    const a = makeFile(1000);
    const b = Object.assign(new Blob([new Uint8Array(1001)]), { name: "round.mp4", lastModified: 1700000000000 }) as FileLike;
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });
});
