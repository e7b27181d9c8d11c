"""Routes: share links (private by default), anonymous read-only access, and the shared page with Open Graph tags."""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.ratelimit import check_rate, ensure_under
from punch_adapters.http.schemas import ReportDoc, ShareLinkDoc, ShareLinkList, ShareRequestBody
from punch_adapters.http.security import deps_of
from punch_core.errors import ConflictError, NotFoundError, ValidationError
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.processing import read_thumbnails
from punch_core.service.records import ShareLink

MAX_EXPIRY_DAYS = 365
HASH_ATTEMPTS = 5
GONE = "this share link does not exist, has expired or was turned off; ask the boxer for a new one"


def link_of(deps: ApiDeps, link: ShareLink) -> ShareLinkDoc:
    """A share link as the API shows it."""
    return {
        "hash": link.hash,
        "url": f"{deps.config.public_url}/share/{link.hash}",
        "analysis_id": link.analysis_id,
        "created_at": link.created_at.isoformat(),
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
        "active": link.is_active(deps.clock.now()),
    }


def _create(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: str, expires_in_days: object
) -> ShareLink:
    deps.reports.get(analysis_id, owner_id=user_id)  # only a finished report can be shared (404 otherwise)
    if expires_in_days is not None and (
        isinstance(expires_in_days, bool)
        or not isinstance(expires_in_days, int | float)
        or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS
        or expires_in_days != int(expires_in_days)
    ):
        raise ValidationError(
            "expires_in_days", expires_in_days, f"a whole number of days from 1 to {MAX_EXPIRY_DAYS}, or null"
        )
    now = deps.clock.now()
    expires_at = now + timedelta(days=float(expires_in_days)) if expires_in_days is not None else None
    for _ in range(HASH_ATTEMPTS):
        link = ShareLink(
            hash=deps.ids.new_share_hash(),
            analysis_id=analysis_id,
            owner_id=user_id,
            created_at=now,
            expires_at=expires_at,
        )
        try:
            deps.share_links.add(link)
        except ConflictError:
            continue  # 62^8 hashes: a collision is rare, draw again
        return link
    raise ConflictError("could not make a unique share link; try again")


@post("/reports/{analysis_id:str}/shares", status_code=201)
async def create_share(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
    data: JSONBody[ShareRequestBody | None] = None,
) -> ShareLinkDoc:
    """Create a read-only link to your report, optionally expiring after ``expires_in_days``."""
    link = await asyncio.to_thread(_create, deps, user_id, analysis_id, (data or {}).get("expires_in_days"))
    return link_of(deps, link)


@get("/reports/{analysis_id:str}/shares")
async def list_shares(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> ShareLinkList:
    """Every link to your report, active or not, newest first."""
    links = await asyncio.to_thread(_links_of, deps, user_id, analysis_id)
    return {"items": [link_of(deps, link) for link in links]}


def _links_of(deps: ApiDeps, user_id: str, analysis_id: str) -> list[ShareLink]:
    deps.analyses.get(analysis_id, owner_id=user_id)  # one trip to a worker thread for both
    return deps.share_links.list_for_analysis(analysis_id)


def _revoke(deps: ApiDeps, user_id: str, analysis_id: str, share_hash: str) -> None:
    deps.analyses.get(analysis_id, owner_id=user_id)
    link = deps.share_links.get(share_hash)
    if link is None or link.analysis_id != analysis_id:
        raise NotFoundError("no such share link for this report")
    deps.share_links.revoke(share_hash, deps.clock.now())


@delete("/reports/{analysis_id:str}/shares/{share_hash:str}", status_code=204)
async def revoke_share(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str], share_hash: FromPath[str]
) -> None:
    """Turn a link off (it stops working at once)."""
    await asyncio.to_thread(_revoke, deps, user_id, analysis_id, share_hash)


async def shared_link(request: Request[Any, Any, Any], share_hash: str) -> tuple[ApiDeps, ShareLink]:
    """The active link with this hash.

    Share hashes can only be found by guessing, so failed lookups are limited per address (a viewer of a real
    link, whose player makes many requests, is never slowed down).

    Raises:
        NotFoundError: for an unknown, expired or revoked link.
        RateLimitedError: after too many failed lookups from one address.
    """
    deps = deps_of(request)
    address = request.client.host if request.client else "unknown"
    misses = f"share-miss:{address}"
    # Over the budget, every lookup is refused, hit or miss: a guesser learns nothing more until the window ends.
    await ensure_under(deps, misses, deps.config.share_lookups_per_minute, 60, what="share links")
    link = None
    if len(share_hash) == 8 and share_hash.isalnum() and share_hash.isascii():
        link = await asyncio.to_thread(deps.share_links.get, share_hash)
    if link is None or not link.is_active(deps.clock.now()):
        await check_rate(deps, misses, deps.config.share_lookups_per_minute, 60, what="share links")
        raise NotFoundError(GONE)
    return deps, link


async def _shared_report(request: Request[Any, Any, Any], share_hash: str) -> tuple[ApiDeps, ShareLink, dict[str, Any]]:
    deps, link = await shared_link(request, share_hash)
    report = await asyncio.to_thread(deps.reports.get, link.analysis_id)
    return deps, link, report


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """What an anonymous viewer sees: the report without the boxer's weight or the video's file name."""
    body = {k: v for k, v in report.get("body", {}).items() if k != "weight_kg"}
    video = {k: v for k, v in report.get("video", {}).items() if k != "source"}
    return {**report, "body": body, "video": video}


@get("/shared/{share_hash:str}")
async def read_shared(request: Request[Any, Any, Any], share_hash: FromPath[str]) -> ReportDoc:
    """A shared report, read-only, without signing in."""
    _deps, link, report = await _shared_report(request, share_hash)
    return cast(ReportDoc, {**public_report(report), "analysis_id": link.analysis_id})


@get("/shared/{share_hash:str}/thumbnail.jpg", media_type="image/jpeg")
async def shared_thumbnail(request: Request[Any, Any, Any], share_hash: FromPath[str]) -> Response[bytes]:
    """The preview image of a shared report (the Open Graph image)."""
    deps, link, _report = await _shared_report(request, share_hash)
    data = await asyncio.to_thread(_first_thumbnail, deps, link.analysis_id)
    # Not kept by any cache: a revoked link must stop showing the boxer at once.
    return Response(data, media_type="image/jpeg", headers={"cache-control": "no-store"})


def _first_thumbnail(deps: ApiDeps, analysis_id: str) -> bytes:
    for index in (4, 0):  # a frame from the middle of the round, else the first
        key = AnalysisArtifacts(analysis_id).thumbnail(index)
        if deps.store.exists(key):
            return deps.store.get(key)
    raise NotFoundError("this report has no preview image")


def open_graph(deps: ApiDeps, share_hash: str, report: dict[str, Any]) -> dict[str, str]:
    """Title, description and image of a shared report, for chat-app previews."""
    metrics = report.get("metrics", {})
    minutes, seconds = divmod(round(float(report.get("video", {}).get("duration_s", 0))), 60)
    strikes = int(metrics.get("strikes_total", 0))
    title = f"Sparring round: {strikes} punches in {minutes}:{seconds:02d}"
    parts = []
    if metrics.get("strikes_per_minute") is not None:
        parts.append(f"{metrics['strikes_per_minute']:.0f} punches per minute")
    if metrics.get("guard_discipline") is not None:
        parts.append(f"guard up {100 * float(metrics['guard_discipline']):.0f}% of the time")
    summary = str(report.get("coaching", {}).get("summary", ""))
    description = ", ".join(parts).capitalize() + (". " if parts else "") + summary
    return {
        "og:title": title,
        "og:description": description[:300],
        "og:image": f"{deps.config.public_url}/api/v1/shared/{share_hash}/thumbnail.jpg",
        "og:url": f"{deps.config.public_url}/share/{share_hash}",
        "og:type": "article",
    }


def _meta_tags(og: dict[str, str]) -> str:
    tags = [f'<meta property="{html.escape(k)}" content="{html.escape(v)}">' for k, v in og.items()]
    tags.append('<meta name="twitter:card" content="summary_large_image">')
    tags.append('<meta name="robots" content="noindex">')
    return "".join(tags)


@get("/share/{share_hash:str}", media_type="text/html", include_in_schema=False)
async def share_page(request: Request[Any, Any, Any], share_hash: FromPath[str]) -> Response[str]:
    """The shared report as HTML with Open Graph tags rendered by the server (the web app when it is built)."""
    frontend_dir = request.app.state.get("frontend_dir") or deps_of(request).config.frontend_dir
    index = Path(frontend_dir, "index.html") if frontend_dir else None
    try:
        deps, link, report = await _shared_report(request, share_hash)
    except NotFoundError as exc:
        # The web app, when built, shows its own translated "link unavailable" page; the status stays 404.
        if index is not None and index.is_file():
            return Response(index.read_text(encoding="utf-8"), status_code=404, media_type="text/html")
        page = _simple_page("Link unavailable", exc.user_message, meta="")
        return Response(page, status_code=404, media_type="text/html")
    og = open_graph(deps, share_hash, report)
    meta = _meta_tags(og)
    if index is not None and index.is_file():
        page = index.read_text(encoding="utf-8").replace("<head>", f"<head>{meta}", 1)
    elif deps.report_page is not None:
        thumbs = await asyncio.to_thread(_thumbnails, deps, link.analysis_id)
        page = deps.report_page(public_report(report), thumbs).replace("<head>", f"<head>{meta}", 1)
    else:
        page = _simple_page(og["og:title"], og["og:description"], meta=meta)
    return Response(page, media_type="text/html", headers={"cache-control": "no-store"})


def _simple_page(title: str, text: str, *, meta: str) -> str:
    title, text = html.escape(title), html.escape(text)
    return (
        f'<!doctype html><html><head><meta charset="utf-8">{meta}<title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    )


def _thumbnails(deps: ApiDeps, analysis_id: str) -> list[tuple[float, bytes]]:
    try:
        index = read_thumbnails(deps.store, analysis_id)
    except NotFoundError:
        return []
    return [(t.t_s, deps.store.get(t.key)) for t in index.thumbnails if deps.store.exists(t.key)]


API_ROUTES = [create_share, list_shares, revoke_share, read_shared, shared_thumbnail]
PAGE_ROUTES = [share_page]
