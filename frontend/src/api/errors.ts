import type { ApiErrorBody } from "./types";
import type { MessageKey, TFunction } from "../i18n/strings";

/** An API call that failed: the server's error document, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId?: string;
  readonly fields?: Record<string, string>;
  readonly retryAfterS?: number;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { requestId?: string; fields?: Record<string, string>; retryAfterS?: number } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = extra.requestId;
    this.fields = extra.fields;
    this.retryAfterS = extra.retryAfterS;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === "object" && error !== null && "message" in error;
}

/** Turns a failed response (status + parsed body) into an ApiError. */
export function apiErrorFrom(status: number, body: unknown, retryAfter?: string | null): ApiError {
  const retryAfterS = retryAfter ? Number(retryAfter) || undefined : undefined;
  if (isErrorBody(body)) {
    const { code, message, request_id, fields } = body.error;
    return new ApiError(status, String(code ?? "error"), String(message ?? ""), {
      requestId: request_id,
      fields,
      retryAfterS,
    });
  }
  return new ApiError(status, `http_${status}`, typeof body === "string" ? body.slice(0, 200) : "", { retryAfterS });
}

const BY_STATUS: Record<number, MessageKey> = {
  0: "error.network",
  400: "error.badRequest",
  401: "error.unauthorized",
  403: "error.forbidden",
  404: "error.notFound",
  409: "error.conflict",
  413: "error.tooLarge",
  415: "error.notVideo",
  422: "error.invalid",
  429: "error.rateLimited",
  500: "error.server",
  502: "error.unavailable",
  503: "error.unavailable",
  504: "error.unavailable",
};

/**
 * What the boxer reads for an error: a sentence in their language for the kind of problem and, where the
 * server explains the specifics (which field, how long the video must be), the server's own words after it.
 */
export function errorMessage(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) {
    if (error instanceof Error && error.name === "AbortError") return t("error.aborted");
    return t("error.unknown");
  }
  const key = BY_STATUS[error.status] ?? (error.status >= 500 ? "error.server" : "error.unknown");
  let text = t(key, { seconds: error.retryAfterS ?? 60 });
  // The server's message names the specifics (in English); worth showing for these kinds.
  const specific = [409, 413, 415, 422, 400, 404, 429].includes(error.status) && error.message; // 429: why (which limit)
  if (specific) text += ` (${error.message})`;
  if (error.status >= 500 && error.requestId) text += ` ${t("error.reference", { id: error.requestId })}`;
  return text;
}
