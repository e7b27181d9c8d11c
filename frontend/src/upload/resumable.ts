// Resumable chunked upload: declare the file, send it in chunks at byte offsets, complete it. The upload id is kept
// in storage under the file's fingerprint (name, size, lastModified), so after a page reload the boxer re-selects
// the same file and the upload continues from the server's received offset.
import { apiRequest, apiUrl, jsonOf, refreshSession, type FetchLike } from "../api/client";
import { ApiError } from "../api/errors";
import type { CompleteDoc, UploadDoc, UploadRequestBody } from "../api/types";

export interface FileLike extends Blob {
  readonly name: string;
  readonly lastModified: number;
}

export interface StoredUpload {
  uploadId: string;
  name: string;
  size: number;
  lastModified: number;
  receivedOffset: number;
  savedAt: number;
}

const KEY = "punch.uploads";
/** An upload the server stopped keeping is dropped from storage after this long anyway. */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export function fingerprint(file: { name: string; size: number; lastModified: number }): string {
  return `${file.name}|${file.size}|${file.lastModified}`;
}

/** Unfinished uploads in localStorage (or any Storage), by file fingerprint. */
export class UploadStore {
  constructor(private readonly storage: Pick<Storage, "getItem" | "setItem"> = localStorage) {}

  private read(): Record<string, StoredUpload> {
    try {
      const raw = this.storage.getItem(KEY);
      const all = raw ? (JSON.parse(raw) as Record<string, StoredUpload>) : {};
      const now = Date.now();
      return Object.fromEntries(Object.entries(all).filter(([, u]) => now - u.savedAt < MAX_AGE_MS));
    } catch {
      return {};
    }
  }

  private write(all: Record<string, StoredUpload>): void {
    try {
      this.storage.setItem(KEY, JSON.stringify(all));
    } catch {
      /* storage full or unavailable: resuming after a reload will not work, the upload still does */
    }
  }

  get(fp: string): StoredUpload | undefined {
    return this.read()[fp];
  }

  save(fp: string, upload: StoredUpload): void {
    this.write({ ...this.read(), [fp]: upload });
  }

  remove(fp: string): void {
    const all = this.read();
    delete all[fp];
    this.write(all);
  }

  list(): StoredUpload[] {
    return Object.values(this.read()).sort((a, b) => b.savedAt - a.savedAt);
  }
}

export interface UploadOptions {
  fetch: FetchLike;
  store: UploadStore;
  signal?: AbortSignal;
  onProgress?: (sent: number, total: number) => void;
  /** Told when an earlier upload of the same file is being resumed, with where it stood. */
  onResume?: (offset: number) => void;
  /** Largest chunk; the server's hint caps it. */
  chunkSize?: number;
  /** Retries of one chunk after network errors or 5xx answers. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Sends one chunk and reports its bytes as they leave (the browser's XMLHttpRequest upload events: a chunk is up
   * to 8 MiB, too coarse a step for a progress bar). Without it, chunks go through ``fetch`` and progress moves
   * once per chunk.
   */
  sendChunk?: SendChunk;
}

export type SendChunk = (path: string, body: Blob, onSent: (bytes: number) => void, signal?: AbortSignal) => Promise<UploadDoc>;

/** ``SendChunk`` over XMLHttpRequest: upload progress events, and one session refresh on a 401. */
export const xhrSendChunk: SendChunk = async (path, body, onSent, signal) => {
  const attempt = () =>
    new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", apiUrl(path));
      xhr.withCredentials = true;
      xhr.setRequestHeader("content-type", "application/octet-stream");
      xhr.upload.onprogress = (event) => onSent(event.loaded);
      xhr.onload = () => {
        const retryAfter = xhr.getResponseHeader("retry-after");
        resolve(new Response(xhr.responseText || null, { status: xhr.status, headers: retryAfter ? { "retry-after": retryAfter } : {} }));
      };
      xhr.onerror = () => reject(new ApiError(0, "network", "the connection dropped"));
      xhr.onabort = () => reject(abortError());
      signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  let response = await attempt();
  if (response.status === 401 && (await refreshSession())) response = await attempt();
  return jsonOf<UploadDoc>(response);
};

const MIN_CHUNK = 512 * 1024;

/**
 * Chunk size: the server's hint for files larger than it (each chunk is then one whole piece, which the server
 * joins into the video without copying), about 20 requests for smaller files (a smooth progress bar).
 */
export function chooseChunkSize(size: number, hint: number, cap?: number): number {
  const target = size > hint ? hint : Math.max(MIN_CHUNK, Math.ceil(size / 20));
  return Math.min(target, hint, cap ?? Infinity);
}

function abortError(): Error {
  const error = new Error("aborted");
  error.name = "AbortError";
  return error;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Uploads a file (resuming a stored upload of the same file) and completes it: the new analysis. */
export async function uploadResumable(file: FileLike, options: UploadOptions): Promise<CompleteDoc> {
  const { fetch, store, signal, onProgress, onResume, retries = 5, sleep = defaultSleep } = options;
  const fp = fingerprint(file);
  const json = { "content-type": "application/json" };
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    if (signal?.aborted) throw abortError();
    return jsonOf<T>(await apiRequest(path, { ...init, signal }, fetch));
  };

  let doc: UploadDoc | undefined;
  const stored = store.get(fp);
  if (stored) {
    try {
      doc = await call<UploadDoc>(`/api/v1/uploads/${encodeURIComponent(stored.uploadId)}`);
      if (doc.status === "rejected") doc = undefined;
      else onResume?.(doc.received_offset);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      doc = undefined; // expired or deleted on the server: start again
    }
    if (!doc) store.remove(fp);
  }
  if (!doc) {
    doc = await call<UploadDoc>("/api/v1/uploads", {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        filename: file.name,
        size_bytes: file.size,
        content_type: file.type || "video/mp4",
      } satisfies UploadRequestBody),
    });
  }
  const uploadId = doc.id;
  const remember = (offset: number) =>
    store.save(fp, {
      uploadId,
      name: file.name,
      size: file.size,
      lastModified: file.lastModified,
      receivedOffset: offset,
      savedAt: Date.now(),
    });
  let offset = doc.received_offset;
  remember(offset);
  onProgress?.(offset, file.size);

  const chunkSize = chooseChunkSize(file.size, doc.chunk_size_hint || 8 << 20, options.chunkSize);
  let failures = 0;
  while (offset < file.size && doc.status !== "complete") {
    const end = Math.min(file.size, offset + chunkSize);
    try {
      const chunkPath = `/api/v1/uploads/${encodeURIComponent(uploadId)}/chunks?offset=${offset}`;
      const from = offset;
      const next = options.sendChunk
        ? await options.sendChunk(chunkPath, file.slice(offset, end), (bytes) => onProgress?.(Math.min(end, from + bytes), file.size), signal)
        : await call<UploadDoc>(chunkPath, {
            method: "PUT",
            headers: { "content-type": "application/octet-stream" },
            body: file.slice(offset, end),
          });
      offset = next.received_offset;
      failures = 0;
      remember(offset);
      onProgress?.(offset, file.size);
    } catch (error) {
      if (signal?.aborted || (error instanceof Error && error.name === "AbortError")) throw abortError();
      const retriable =
        error instanceof ApiError && (error.status === 0 || error.status === 409 || error.status === 429 || error.status >= 500);
      if (!retriable || ++failures > retries) throw error;
      const wait = error instanceof ApiError && error.retryAfterS ? error.retryAfterS * 1000 : 500 * 2 ** failures;
      await sleep(wait);
      // Ask the server where to continue (a dropped chunk may have partly arrived).
      const status = await call<UploadDoc>(`/api/v1/uploads/${encodeURIComponent(uploadId)}`);
      offset = status.received_offset;
      onProgress?.(offset, file.size);
    }
  }
  try {
    const done = await call<CompleteDoc>(`/api/v1/uploads/${encodeURIComponent(uploadId)}/complete`, {
      method: "POST",
    });
    store.remove(fp);
    return done;
  } catch (error) {
    // The video itself was refused (not a video, wrong length): resuming it again would only fail again.
    if (error instanceof ApiError && [400, 404, 413, 415, 422].includes(error.status)) store.remove(fp);
    throw error;
  }
}
