// The typed API client: openapi-fetch over the generated schema, with cookies, a 401 → refresh → retry-once
// wrapper (one refresh at a time: refresh tokens rotate, and a reused one revokes the session), and errors
// turned into ApiError.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError, apiErrorFrom } from "./errors";

export type FetchLike = (input: Request) => Promise<Response>;

const AUTH_PATHS = ["/api/v1/auth/refresh", "/api/v1/auth/local/login", "/api/v1/auth/logout"];

function origin(): string {
  return typeof window !== "undefined" && window.location?.origin && window.location.origin !== "null"
    ? window.location.origin
    : "http://localhost";
}

/** An absolute URL for an API path (Request needs one outside a browser). */
export function apiUrl(path: string): string {
  return new URL(path, origin()).toString();
}

let refreshing: Promise<boolean> | null = null;
/** Called when the session could not be refreshed (the user must sign in again). */
let onSignedOut: (() => void) | null = null;
export function setSignedOutHandler(handler: (() => void) | null): void {
  onSignedOut = handler;
}

/** Trade the refresh cookie for a new session; concurrent callers share one request. */
export function refreshSession(base: FetchLike = (r) => fetch(r)): Promise<boolean> {
  refreshing ??= base(new Request(apiUrl("/api/v1/auth/refresh"), { method: "POST", credentials: "same-origin" }))
    .then((res) => {
      if (!res.ok) onSignedOut?.();
      return res.ok;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** A fetch that sends cookies and, on a 401 from a non-auth route, refreshes the session and retries once. */
export function withRefresh(base: FetchLike = (r) => fetch(r)): FetchLike {
  return async (request: Request) => {
    const retry = request.clone();
    const response = await base(request);
    const path = new URL(request.url).pathname;
    if (response.status !== 401 || AUTH_PATHS.includes(path)) return response;
    if (!(await refreshSession(base))) return response;
    return base(retry);
  };
}

export const apiFetch: FetchLike = withRefresh();

/** fetch() by path with the refresh wrapper, for the calls outside the schema client (raw uploads). */
export function apiRequest(path: string, init: RequestInit = {}, fetchImpl: FetchLike = apiFetch): Promise<Response> {
  return fetchImpl(new Request(apiUrl(path), { credentials: "same-origin", ...init }));
}

export const api = createClient<paths>({
  baseUrl: origin(),
  credentials: "same-origin",
  fetch: (request: Request) => apiFetch(request),
});

interface Outcome {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The body of a successful call as T; throws ApiError otherwise (status 0 for a network failure). */
export async function unwrap<T>(call: Promise<Outcome>): Promise<T> {
  let outcome: Outcome;
  try {
    outcome = await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof Error && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", error instanceof Error ? error.message : String(error));
  }
  const { data, error, response } = outcome;
  if (!response.ok) throw apiErrorFrom(response.status, error, response.headers.get("retry-after"));
  return data as T;
}

/** Throws ApiError for a failed raw response; returns its JSON otherwise. */
export async function jsonOf<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!response.ok) throw apiErrorFrom(response.status, body, response.headers.get("retry-after"));
  return body as T;
}
