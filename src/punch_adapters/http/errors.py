"""One error body for every failure, and the one table from domain errors to HTTP status codes.

Body: ``{"error": {"code": "not_found", "message": "...", "request_id": "...", "fields": {...}?}}``.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from punch_core.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MalwareRejectedError,
    MediaError,
    NotFoundError,
    PayloadTooLargeError,
    PoseQualityError,
    PunchError,
    RateLimitedError,
    ScannerUnavailableError,
    StorageUnavailableError,
    TrackFormatError,
    UnsupportedMediaError,
    ValidationError,
)

logger = logging.getLogger("punch.http")

# Most specific first: the first matching class decides.
STATUS_BY_ERROR: tuple[tuple[type[PunchError], int, str], ...] = (
    (UnsupportedMediaError, 415, "unsupported_media_type"),
    (PayloadTooLargeError, 413, "payload_too_large"),
    (RateLimitedError, 429, "rate_limited"),
    (AuthError, 401, "not_signed_in"),
    (ForbiddenError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (ValidationError, 422, "invalid_field"),
    (TrackFormatError, 422, "invalid_track"),
    (PoseQualityError, 422, "boxer_not_visible"),
    (MalwareRejectedError, 422, "rejected_by_malware_scan"),
    (MediaError, 422, "invalid_video"),
    (BadRequestError, 400, "bad_request"),
    (StorageUnavailableError, 503, "service_unavailable"),
    (ScannerUnavailableError, 503, "service_unavailable"),
)


def request_id_of(request: Request[Any, Any, Any]) -> str:
    """The request id the middleware gave this request.

    For a request it never saw (an address no route matches is answered before any middleware runs), a new one,
    kept in the request's state so that the ``X-Request-ID`` header says the same.
    """
    state = request.scope.setdefault("state", {})
    value = state.get("request_id")
    if not value:
        value = state["request_id"] = uuid.uuid4().hex
    return str(value)


def error_body(code: str, message: str, request_id: str | None, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
    """The one error body."""
    return {"error": {"code": code, "message": message, "request_id": request_id, **extra}}


def punch_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Map a domain error to its status code and body."""
    assert isinstance(exc, PunchError)
    status, code = 500, "internal_error"
    for cls, cls_status, cls_code in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            status, code = cls_status, cls_code
            break
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        fields = getattr(exc, "fields", None)  # several fields at once (body specs)
        extra["fields"] = fields if isinstance(fields, dict) else {exc.field: exc.user_message}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_s)
    if status >= 500:
        logger.warning("http.unavailable", extra={"error": exc.user_message})
    return Response(
        error_body(code, exc.user_message, request_id_of(request), **extra), status_code=status, headers=headers
    )


_JSON_TYPES = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "null": "null",
    "object": "a JSON object",
    "array": "a list",
}
_TYPE_ERROR = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")


def plain_type_error(message: str) -> str:
    """A request-body type error in words; other messages unchanged.

    ``Expected `int | null`, got `str` `` becomes ``must be a whole number or null, not text``.
    """
    found = _TYPE_ERROR.fullmatch(message.strip())
    if found is None:
        return message
    wanted = " or ".join(_JSON_TYPES.get(name.strip(), name.strip()) for name in found.group(1).split("|"))
    return f"must be {wanted}, not {_JSON_TYPES.get(found.group(2), found.group(2))}"


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Litestar's own errors (404 route, 405, request validation, body too large) in the same body."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        fields = {
            str(item.get("key") or "body"): str(item.get("message")) for item in exc.extra if isinstance(item, dict)
        }
        fields = {key: plain_type_error(message) for key, message in fields.items()}
        extra["fields"] = fields
        status = 422 if status == 400 and fields else status
    if isinstance(exc, NotAuthorizedException):
        code = "not_signed_in"
    else:
        code = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media_type",
            422: "invalid_field",
            429: "rate_limited",
        }.get(status, "http_error")
    message = str(exc.detail)
    if extra.get("fields"):
        message = "; ".join(f"{key}: {text}" for key, text in extra["fields"].items())
    if status == 413 and message == "Request Entity Too Large":  # Litestar's body limit, before any handler
        message = (
            "this chunk is larger than one chunk may be: send smaller chunks (the upload's max_chunk_bytes)"
            if request.url.path.endswith("/chunks")
            else "the request body is too large for this address: a JSON request is a few hundred bytes"
        )
    return Response(
        error_body(code, message, request_id_of(request), **extra),
        status_code=status,
        headers=exc.headers or {},
    )


def undecodable_body_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A request body that is not UTF-8 text where JSON was expected."""
    message = "the request body is not valid UTF-8 JSON"
    return Response(error_body("bad_request", message, request_id_of(request)), status_code=400)


def too_deep_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A JSON body nested deeper than the decoder's recursion allows (``[[[[...``).

    That is the client's fault, a 400; any other RecursionError is ours, a 500.
    """
    if "deserializ" not in str(exc):
        return unexpected_error_handler(request, exc)
    message = "the request body is nested too deeply to read: send the JSON object the API documents"
    return Response(error_body("bad_request", message, request_id_of(request)), status_code=400)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything else: logged with its traceback, answered without internals."""
    logger.error("http.error", exc_info=exc)
    message = "something went wrong on our side; try again, and tell us the request id if it keeps happening"
    return Response(
        error_body("internal_error", message, request_id_of(request)), status_code=HTTP_500_INTERNAL_SERVER_ERROR
    )
