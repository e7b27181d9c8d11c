"""Routes: your reports (dashboard list, one report, delete with everything derived from the video)."""

from __future__ import annotations

import asyncio
from typing import cast

from litestar import delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from punch_adapters.http.deps import ApiDeps
from punch_adapters.http.schemas import ReportDoc, ReportList, ReportSummaryDoc, StampsBody
from punch_core.service.artifacts import AnalysisArtifacts
from punch_core.service.processing import correct_stamps
from punch_core.service.records import ReportSummary


def summary_of(summary: ReportSummary) -> ReportSummaryDoc:
    """One dashboard row."""
    return {
        "analysis_id": summary.analysis_id,
        "created_at": summary.created_at.isoformat(),
        "duration_s": summary.duration_s,
        "strikes_total": summary.strikes_total,
        "strikes_per_minute": summary.strikes_per_minute,
        "mean_hand_speed_mps": summary.mean_hand_speed_mps,
        "guard_discipline": summary.guard_discipline,
    }


@get("/reports")
async def list_reports(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    limit: FromQuery[int] = 20,
    offset: FromQuery[int] = 0,
) -> ReportList:
    """Your reports for the dashboard, newest first, ``limit`` (1-100) at a time from ``offset``."""
    limit, offset = max(1, min(limit, 100)), max(0, min(offset, 1_000_000))
    items = await asyncio.to_thread(deps.reports.list_for_owner, user_id, limit=limit, offset=offset)
    total = await asyncio.to_thread(deps.reports.count_for_owner, user_id)
    return {"items": [summary_of(s) for s in items], "total": total, "limit": limit, "offset": offset}


@get("/reports/{analysis_id:str}")
async def get_report(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> ReportDoc:
    """One of your reports (docs/formats.md)."""
    report = await asyncio.to_thread(deps.reports.get, analysis_id, owner_id=user_id)
    return cast(ReportDoc, {**report, "analysis_id": analysis_id})


@put("/reports/{analysis_id:str}/stamps")
async def put_stamps(
    deps: NamedDependency[ApiDeps],
    user_id: NamedDependency[str],
    analysis_id: FromPath[str],
    data: JSONBody[StampsBody],
) -> ReportDoc:
    """Correct the stamps: the whole corrected list (a stamp left out is deleted); answers the updated report.

    Metrics are computed again from it; the detector's stamps stay as ``detected_stamps`` and ``corrections``
    counts what changed. The coaching is written again from the corrections on request (``POST .../coaching``).
    """
    report = await asyncio.to_thread(
        correct_stamps, deps.processing, analysis_id, owner_id=user_id, stamps=list(data.get("stamps") or [])
    )
    return cast(ReportDoc, {**report, "analysis_id": analysis_id})


def delete_everything(deps: ApiDeps, analysis_id: FromPath[str], user_id: str) -> None:
    """Remove an analysis, its report, stamps and share links, its video record and every stored object.

    Raises:
        NotFoundError: for another user's or a missing analysis.
    """
    analysis = deps.analyses.get(analysis_id, owner_id=user_id)
    # Objects first: if the store is down, the records stay and the user can delete again.
    deps.store.delete_prefix(AnalysisArtifacts(analysis_id).prefix)
    video = deps.videos.get(analysis.video_id)
    deps.store.delete_prefix(video.object_key.rsplit("/", 1)[0])
    deps.analyses.delete(analysis_id)
    deps.videos.delete(analysis.video_id)
    # The upload record (its file name) goes too; it shares the video's id when the video came from an upload.
    deps.uploads.delete(analysis.video_id)


@delete("/reports/{analysis_id:str}", status_code=204)
async def delete_report(
    deps: NamedDependency[ApiDeps], user_id: NamedDependency[str], analysis_id: FromPath[str]
) -> None:
    """Delete a report with the video and all derived data (thumbnails, pose track, stamps, share links)."""
    await asyncio.to_thread(delete_everything, deps, analysis_id, user_id)


ROUTES = [list_reports, get_report, put_stamps, delete_report]
