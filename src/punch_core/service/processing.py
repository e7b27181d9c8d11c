"""The processing use case: an analysis moves through stages, each storing its output before the next starts.

thumbnails → (the user picks the subject and gives body specs, then starts) → pose → stamps → coaching → report

A stage reads what the stages before it stored (object store and repositories), does its work and records
itself in ``Analysis.done_stages``. Running a stage that is already done does nothing, so a job runner that
crashes and runs a stage again resumes from the last finished stage, and never stores anything twice.
The job runners (ARQ workers, the in-process runner) call :func:`run_stage`; nothing here knows about them.

Stored objects are under ``analyses/{id}/``, their keys in :class:`~punch_core.service.artifacts.AnalysisArtifacts`.
Stamps also go to the ``StampRepository`` and the report to the ``ReportRepository``. Stage order, priority, job
id and share of the progress bar live on :class:`~punch_core.service.records.Stage`.

The job runners and ``punch analyze`` run the same stages: the workers one job at a time, the CLI one after
another in :func:`run_analysis` (against a local folder and memory repositories).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from punch_core.body import BodySpecs
from punch_core.coaching.model import Coaching, Language
from punch_core.corrections import StampEdit, apply_corrections
from punch_core.errors import ConflictError, NotFoundError, PoseQualityError, PunchError, ValidationError
from punch_core.formats import pose_view_gzip, track_from_npz_bytes, track_to_npz_bytes
from punch_core.kinematics import compute_kinematics
from punch_core.ports.coach import Coach
from punch_core.ports.pose import PoseEstimator
from punch_core.ports.repositories import AnalysisRepository, ReportRepository, StampRepository, VideoRepository
from punch_core.ports.storage import Blobs
from punch_core.ports.system import Clock
from punch_core.ports.video import Frame, FrameSource, OverlayWriter
from punch_core.report import RoundAnalysis, analyse_round, assemble_report, coaching_request
from punch_core.service.artifacts import AnalysisArtifacts, SubjectFacts, ThumbnailEntry, ThumbnailIndex
from punch_core.service.records import PIPELINE, Analysis, AnalysisStatus, Stage
from punch_core.service.thumbnails import MAX_PEOPLE, auto_subject_from_boxes, make_thumbnails
from punch_core.subject import PersonBox, SubjectChoice, follow_subject

Progress = Callable[[float], None]


class ProcessingTimeoutError(PunchError):
    """A stage ran past its time limit."""


@attrs.frozen(kw_only=True)
class ProcessingPorts:
    """Everything the stages talk to."""

    source: FrameSource
    pose: PoseEstimator
    coach: Coach
    store: Blobs
    analyses: AnalysisRepository
    videos: VideoRepository
    stamps: StampRepository
    reports: ReportRepository
    clock: Clock
    encode_jpeg: Callable[[Frame], bytes]
    write_overlay: OverlayWriter


def percent(stage: Stage, share: float) -> float:
    """The whole analysis's percent done when ``stage`` is ``share`` (0-1) done."""
    start, end = stage.percent_span
    return round(start + (end - start) * min(max(share, 0.0), 1.0), 1)


def _put_json(store: Blobs, key: str, data: dict[str, Any]) -> None:
    store.put(key, json.dumps(data, ensure_ascii=False).encode())


def _get_json(store: Blobs, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(store.get(key))
    return data


def _specs(analysis: Analysis) -> BodySpecs:
    if analysis.specs is None:
        raise ConflictError("give your height, weight and stance before starting the analysis")
    return BodySpecs.parse(**analysis.specs)


def configure_analysis(
    ports: ProcessingPorts,
    analysis_id: str,
    *,
    owner_id: str,
    specs: BodySpecs | None = None,
    subject: SubjectChoice | None = None,
    language: str | None = None,
) -> Analysis:
    """Set the body specs, the subject and the coaching language before the analysis starts.

    Raises:
        NotFoundError: for another owner's or a missing analysis.
        ConflictError: once the analysis has started.
    """
    analysis = ports.analyses.get(analysis_id, owner_id=owner_id)
    if analysis.status is not AnalysisStatus.CREATED:
        raise ConflictError("this analysis has already started; its subject and body specs can no longer change")
    changes: dict[str, Any] = {"updated_at": ports.clock.now()}
    if specs is not None:
        changes["specs"] = {
            "height_cm": specs.height_cm,
            "weight_kg": specs.weight_kg,
            "stance": specs.stance.value,
            "experience": specs.experience.value,
        }
    if subject is not None:
        changes["subject"] = {**subject.box.to_dict(), "t_s": round(subject.t_s, 3)}
    if language is not None:
        changes["language"] = language
    # Only these fields: a stage finishing at the same moment keeps its own (done stages, progress).
    return ports.analyses.patch(analysis_id, **changes)


def start_analysis(ports: ProcessingPorts, analysis_id: str, *, owner_id: str) -> Stage:
    """Queue the analysis once thumbnails are made and the specs given; returns the stage to enqueue.

    Raises:
        NotFoundError: for another owner's or a missing analysis.
        ConflictError: if the specs are missing, the thumbnails are not made yet, or it has already started.
    """
    analysis = ports.analyses.get(analysis_id, owner_id=owner_id)
    _specs(analysis)
    if analysis.status is AnalysisStatus.QUEUED and not analysis.done_stages[1:]:
        # Queued before, but the job may never have reached the queue (it was down): queue it again, harmlessly.
        return next((s for s in PIPELINE if s not in analysis.done_stages), Stage.POSE)
    if analysis.status is not AnalysisStatus.CREATED:
        raise ConflictError(f"this analysis has already started (it is {analysis.status.value})")
    if Stage.THUMBNAILS not in analysis.done_stages:
        raise ConflictError("the thumbnails are still being made; start the analysis when they are shown")
    if analysis.subject is None and read_thumbnails(ports.store, analysis_id).most_people == 0:
        # Refused here, not after minutes of pose tracking that can only end the same way.
        raise PoseQualityError(
            "no one was found anywhere in this video: film again with your whole body in frame, in good light"
        )
    now = ports.clock.now()
    # The start of the whole-analysis time (take_processing_seconds); written before the status changes, so a
    # store that is down leaves the analysis startable.
    _put_json(ports.store, AnalysisArtifacts(analysis_id).started, {"started_at": now.isoformat()})
    ports.analyses.patch(analysis_id, status=AnalysisStatus.QUEUED, updated_at=now)
    return Stage.POSE


def take_processing_seconds(ports: ProcessingPorts, analysis: Analysis) -> float | None:
    """Seconds from :func:`start_analysis` to the stored report of a completed analysis, given out once.

    Queue waits, retries and a worker taking over after a crash are included: it is the time the boxer waits.
    The start mark is removed, so a report job delivered twice counts once.

    Returns:
        None when the analysis has not completed, or has no start mark (already taken, or coaching written again
        with :func:`rerun_coaching`, which is not a whole analysis).
    """
    if analysis.status is not AnalysisStatus.COMPLETED or analysis.finished_at is None:
        return None
    key = AnalysisArtifacts(analysis.id).started
    try:
        started_at = datetime.fromisoformat(_get_json(ports.store, key)["started_at"])
    except NotFoundError:
        return None
    ports.store.delete(key)
    return max((analysis.finished_at - started_at).total_seconds(), 0.0)


def rerun_coaching(ports: ProcessingPorts, analysis_id: str, *, owner_id: str, language: str | None = None) -> Stage:
    """Write the coaching again (after the LLM was down, say, or in another language); returns the stage to enqueue.

    Args:
        ports: What the stages talk to.
        analysis_id: The analysis.
        owner_id: Its owner.
        language: Write it in this language from now on (``en`` or ``ko``); None keeps the analysis's language.

    Raises:
        NotFoundError: for another owner's or a missing analysis.
        ConflictError: unless the analysis has completed.
        ValidationError: for a language the coach does not write.
    """
    if language is not None and language not in {lang.value for lang in Language}:
        raise ValidationError("language", language, "en or ko")
    analysis = ports.analyses.get(analysis_id, owner_id=owner_id)
    # A failure after the stamps (the coaching or report stage), or a re-run that never reached the queue, may
    # be tried again; anything earlier needs a new analysis.
    retryable = (
        analysis.status in (AnalysisStatus.FAILED, AnalysisStatus.QUEUED) and Stage.STAMPS in analysis.done_stages
    )
    if analysis.status is not AnalysisStatus.COMPLETED and not retryable:
        raise ConflictError("coaching can be written again only for a completed analysis")
    done = tuple(s for s in analysis.done_stages if s not in (Stage.COACHING, Stage.REPORT))
    ports.analyses.patch(
        analysis_id,
        status=AnalysisStatus.QUEUED,
        done_stages=done,
        **({"language": language} if language is not None else {}),
        progress=Stage.COACHING.percent_span[0],
        error=None,
        finished_at=None,
        updated_at=ports.clock.now(),
    )
    return Stage.COACHING


def correct_stamps(
    ports: ProcessingPorts, analysis_id: str, *, owner_id: str, stamps: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Store the boxer's corrected stamps and the metrics computed from them; returns the updated report.

    ``stamps`` is the whole corrected list, as :class:`~punch_core.corrections.StampEdit` items. The detector's
    stamps stay in the report (``detected_stamps``); the coaching is kept until the boxer asks for
    it again (``corrections.coaching_outdated``), when it is written from the corrected stamps.

    Raises:
        NotFoundError: for another owner's or a missing analysis.
        ConflictError: unless the analysis has completed.
        ValidationError: naming the first wrong stamp field.
    """
    analysis = ports.analyses.get(analysis_id, owner_id=owner_id)
    if analysis.status is not AnalysisStatus.COMPLETED:
        raise ConflictError("stamps can be corrected once the report is ready")
    keys = AnalysisArtifacts(analysis_id)
    round_ = RoundAnalysis.from_dict(_get_json(ports.store, keys.round))
    duration_s = float(round_.video.get("duration_s") or 0.0)
    edits = [StampEdit.parse(item, duration_s=duration_s) for item in stamps]
    specs = _specs(analysis)
    kinematics = compute_kinematics(track_from_npz_bytes(ports.store.get(keys.pose_track)), height_m=specs.height_m)
    corrected = apply_corrections(round_, edits, kinematics, specs)
    _put_json(ports.store, keys.round, corrected.to_dict())
    ports.stamps.replace(analysis_id, [s.to_dict() for s in corrected.stamps])
    report = ports.reports.get(analysis_id, owner_id=owner_id)
    updated = {
        **assemble_report(corrected, specs, report["coaching"]),
        # The coaching was written from the detector's stamps: the boxer may have it written again from these.
        "corrections": {**(corrected.corrections or {}), "coaching_outdated": True},
    }
    ports.reports.save(analysis_id, owner_id, updated, created_at=analysis.created_at)
    return updated


def retry_analysis(ports: ProcessingPorts, analysis_id: str, *, owner_id: str) -> Stage | None:
    """Give a failed analysis another try without uploading again; returns the stage to enqueue (or None).

    With its thumbnails made, the analysis goes back to waiting for the user: another person, other specs or
    the same, then :func:`start_analysis`. Without them (the thumbnails stage failed), they are made again.
    The stamps of the failed try are removed; the video and the thumbnails stay.

    Raises:
        NotFoundError: for another owner's or a missing analysis.
        ConflictError: unless the analysis has failed.
    """
    analysis = ports.analyses.get(analysis_id, owner_id=owner_id)
    if analysis.status is not AnalysisStatus.FAILED:
        raise ConflictError(f"only a failed analysis can be tried again (this one is {analysis.status.value})")
    thumbnails_made = Stage.THUMBNAILS in analysis.done_stages
    ports.stamps.replace(analysis_id, [])
    ports.analyses.patch(
        analysis_id,
        status=AnalysisStatus.CREATED,
        stage=Stage.THUMBNAILS if thumbnails_made else None,
        done_stages=(Stage.THUMBNAILS,) if thumbnails_made else (),
        attempts=0,
        progress=0.0,
        error=None,
        finished_at=None,
        updated_at=ports.clock.now(),
    )
    return None if thumbnails_made else Stage.THUMBNAILS


def fail_analysis(ports: ProcessingPorts, analysis_id: str, message: str) -> Analysis:
    """Mark an analysis failed with a message for the user."""
    now = ports.clock.now()
    return ports.analyses.patch(
        analysis_id, status=AnalysisStatus.FAILED, error=message, updated_at=now, finished_at=now
    )


def _next_after(stage: Stage) -> Stage | None:
    # After the thumbnails the analysis waits for the user (start_analysis queues the pose stage).
    return None if stage.waits_for_user else stage.next


def run_stage(
    ports: ProcessingPorts, analysis_id: str, stage: Stage, *, progress: Progress | None = None
) -> Stage | None:
    """Run one stage of an analysis unless it is already done; returns the stage to enqueue next (or None).

    Args:
        ports: What the stage talks to.
        analysis_id: The analysis.
        stage: The stage to run.
        progress: Called with the stage's share done (0-1) as it goes.

    Raises:
        PunchError: for anything the user's video causes (``MediaError``, ``PoseQualityError``); the runner
            fails the analysis with its message.
        ConflictError: if an earlier stage has not stored its output.
    """
    analysis = ports.analyses.get(analysis_id)
    if analysis.status in (AnalysisStatus.COMPLETED, AnalysisStatus.FAILED):
        return None
    if stage in analysis.done_stages:
        # Delivered again (the runner crashed after storing it, before queuing the next): carry on from here.
        return _next_after(stage)
    if stage not in PIPELINE:
        raise ConflictError(f"the {stage.value} job is not a stage of the analysis")
    missing = [s for s in PIPELINE[: PIPELINE.index(stage)] if s not in analysis.done_stages]
    if missing:
        raise ConflictError(f"the {stage.value} stage needs the {missing[0].value} stage's output first")
    status = AnalysisStatus.CREATED if stage is Stage.THUMBNAILS else AnalysisStatus.RUNNING
    analysis = ports.analyses.patch(
        analysis_id,
        status=status,
        stage=stage,
        attempts=analysis.attempts + 1,
        progress=percent(stage, 0.0) if stage is not Stage.THUMBNAILS else 0.0,
        updated_at=ports.clock.now(),
    )
    report_progress = progress or (lambda _share: None)
    _STAGES[stage](ports, analysis, report_progress)
    now = ports.clock.now()
    finished = stage is Stage.REPORT
    current = ports.analyses.get(analysis_id)
    if current.status is AnalysisStatus.FAILED:
        return None  # failed meanwhile (its time limit passed): the failure stands
    ports.analyses.patch(
        analysis_id,
        done_stages=(*current.done_stages, stage),
        # The analysis's percent starts with pose; thumbnails announce their own 0-100 in progress events.
        progress=0.0 if stage is Stage.THUMBNAILS else percent(stage, 1.0),
        status=AnalysisStatus.COMPLETED if finished else status,
        updated_at=now,
        finished_at=now if finished else None,
    )
    return _next_after(stage)


def file_chunks(path: str | Path, size: int = 8 * 1024 * 1024) -> Iterator[bytes]:
    """A local file's bytes, ``size`` at a time (for ``Blobs.put_stream``)."""
    with Path(path).open("rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def _thumbnails(ports: ProcessingPorts, analysis: Analysis, progress: Progress) -> ThumbnailIndex:
    video = ports.videos.get(analysis.video_id)
    with ports.store.local_path(video.object_key) as original, tempfile.TemporaryDirectory() as folder:
        # The video the boxer watches and shares never carries where the phone was: the stored copy is replaced
        # by one without metadata before anything else reads it (a retried stage strips it again, harmlessly).
        path = str(Path(folder) / f"source.{video.container}")
        ports.source.without_metadata(original, path, container=video.container)
        ports.store.put_stream(video.object_key, file_chunks(path))
        info = ports.source.probe(path)
        thumbs = make_thumbnails(ports.source, ports.pose, path, info)
    keys = AnalysisArtifacts(analysis.id)
    entries = []
    for i, thumb in enumerate(thumbs):
        ports.store.put(keys.thumbnail(i), ports.encode_jpeg(thumb.frame))
        height, width = thumb.frame.rgb.shape[:2]
        entries.append(
            ThumbnailEntry(index=i, t_s=thumb.t_s, key=keys.thumbnail(i), width=width, height=height, boxes=thumb.boxes)
        )
        progress((i + 1) / len(thumbs))
    index = ThumbnailIndex(video=info, thumbnails=tuple(entries))
    _put_json(ports.store, keys.thumbnails_index, index.to_dict())
    return index


def read_thumbnails(store: Blobs, analysis_id: str) -> ThumbnailIndex:
    """The thumbnails stage's stored output.

    Raises:
        NotFoundError: before the thumbnails stage has run.
    """
    return ThumbnailIndex.from_dict(_get_json(store, AnalysisArtifacts(analysis_id).thumbnails_index))


def _pose(ports: ProcessingPorts, analysis: Analysis, progress: Progress) -> SubjectFacts:
    video = ports.videos.get(analysis.video_id)
    index = read_thumbnails(ports.store, analysis.id)
    if analysis.subject is not None:
        box = PersonBox(**{k: float(analysis.subject[k]) for k in ("x", "y", "w", "h")})
        choice = SubjectChoice(box=box, t_s=float(analysis.subject["t_s"]))
    else:
        choice = auto_subject_from_boxes([(t.t_s, t.boxes) for t in index.thumbnails])
    # One pose per frame is twice as fast; ask for more only when the thumbnails show more than one person.
    max_people = 1 if index.most_people <= 1 else MAX_PEOPLE
    with ports.store.local_path(video.object_key) as path:
        info = ports.source.probe(path)
        people = ports.pose.people_track(path, info, max_people=max_people, progress=progress)
    result = follow_subject(people, choice)
    keys = AnalysisArtifacts(analysis.id)
    ports.store.put(keys.pose_track, track_to_npz_bytes(result.track))
    # The drawable copy the report's player fetches, made here once rather than by the API on each first view.
    ports.store.put(keys.pose_view, pose_view_gzip(result.track))
    facts = SubjectFacts(
        video={
            "container": info.container,
            "rotation_deg": info.rotation_deg,
            "subject": {**choice.box.to_dict(), "t_s": round(choice.t_s, 3)},
            "people_max": int(max((len(people.present(f)) for f in range(people.n_frames)), default=0)),
            # The video's own rate and length (the track holds only the frames pose was inferred on: at an
            # adaptive rate, fewer than the video's).
            "fps": round(info.fps, 3),
            "n_frames": info.n_frames,
            "pose_frames": result.track.n_frames,
            "source": video.filename,
        },
        lost_spans_s=tuple(result.lost_spans_s),
    )
    _put_json(ports.store, keys.subject, facts.to_dict())
    return facts


def _stamps(ports: ProcessingPorts, analysis: Analysis, progress: Progress) -> RoundAnalysis:
    keys = AnalysisArtifacts(analysis.id)
    track = track_from_npz_bytes(ports.store.get(keys.pose_track))
    subject = SubjectFacts.from_dict(_get_json(ports.store, keys.subject))
    round_ = analyse_round(track, _specs(analysis), video=subject.video, lost_spans_s=subject.lost_spans_s)
    progress(0.5)
    # Stamps go to the repository first: replace() is atomic and idempotent, so a rerun never duplicates them.
    ports.stamps.replace(analysis.id, [s.to_dict() for s in round_.stamps])
    _put_json(ports.store, keys.round, round_.to_dict())
    return round_


def _coaching(ports: ProcessingPorts, analysis: Analysis, _progress: Progress) -> Coaching:
    keys = AnalysisArtifacts(analysis.id)
    round_ = RoundAnalysis.from_dict(_get_json(ports.store, keys.round))
    coaching = ports.coach.coach(coaching_request(round_, _specs(analysis), analysis.language))
    _put_json(ports.store, keys.coaching, coaching.to_dict())
    return coaching


def _report(ports: ProcessingPorts, analysis: Analysis, _progress: Progress) -> dict[str, Any]:
    keys = AnalysisArtifacts(analysis.id)
    round_ = RoundAnalysis.from_dict(_get_json(ports.store, keys.round))
    coaching = _get_json(ports.store, keys.coaching)
    report = assemble_report(round_, _specs(analysis), coaching)
    ports.reports.save(analysis.id, analysis.owner_id, report, created_at=analysis.created_at)
    return report


# Each stage reads what the stages before it stored and returns what it stored itself (typed: the thumbnail index,
# the subject facts beside the track, the round's stamps and metrics, the coaching, the report).
_STAGES: dict[Stage, Callable[[ProcessingPorts, Analysis, Progress], object]] = {
    Stage.THUMBNAILS: _thumbnails,
    Stage.POSE: _pose,
    Stage.STAMPS: _stamps,
    Stage.COACHING: _coaching,
    Stage.REPORT: _report,
}


StageProgress = Callable[[Stage, float], None]
"""Called with (stage, share of that stage done 0-1) as :func:`run_analysis` goes."""


def run_analysis(
    ports: ProcessingPorts,
    *,
    analysis_id: str,
    owner_id: str,
    specs: BodySpecs,
    subject: SubjectChoice | None = None,
    language: str = "en",
    progress: StageProgress | None = None,
) -> dict[str, Any]:
    """Run every stage of a created analysis one after another, as the job runners would; returns the report.

    What a user does between the stages (picking the boxer, giving the specs, starting) is done from the arguments:
    ``subject`` None picks the largest person on the first thumbnail with anyone, as an unconfigured analysis does.
    ``punch analyze`` calls this against a local folder and memory repositories; the workers run the same
    :func:`run_stage` calls from their queue.

    Raises:
        PunchError: what a stage raises (``MediaError``, ``PoseQualityError`` ...); the analysis is left failed
            with the message.
    """

    def run(stage: Stage) -> Stage | None:
        try:
            return run_stage(
                ports, analysis_id, stage, progress=(lambda share: progress(stage, share)) if progress else None
            )
        except PunchError as exc:
            fail_analysis(ports, analysis_id, str(exc))
            raise

    run(Stage.THUMBNAILS)
    configure_analysis(ports, analysis_id, owner_id=owner_id, specs=specs, subject=subject, language=language)
    stage: Stage | None = start_analysis(ports, analysis_id, owner_id=owner_id)
    while stage is not None:
        stage = run(stage)
    return ports.reports.get(analysis_id, owner_id=owner_id)
