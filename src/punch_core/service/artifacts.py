"""Where an analysis's stored objects live: the one place their keys are spelled.

Every object a stage stores or the API serves is under ``analyses/{id}/``:

| key | written by | what |
|---|---|---|
| ``thumbnails.json``, ``thumbnails/NN.jpg`` | thumbnails stage | the video's facts and 10 frames with person boxes |
| ``pose_track.npz``, ``pose_view.json.gz`` | pose stage | the subject's track, and the copy the player draws |
| ``subject.json`` | pose stage | the chosen person, the video's facts and where the boxer was lost |
| ``round.json`` | stamps stage | quality, stamps and metrics (:class:`~punch_core.report.RoundAnalysis`) |
| ``coaching.json`` | coaching stage | the coaching (:class:`~punch_core.coaching.model.Coaching`) |
| ``started.json`` | ``start_analysis`` | when the analysis was started, until its report is stored |
"""

from __future__ import annotations

import attrs

from punch_core.formats import POSE_VIEW_NAME

ANALYSES_PREFIX = "analyses"


@attrs.frozen
class AnalysisArtifacts:
    """The keys of one analysis's stored objects."""

    analysis_id: str

    @property
    def prefix(self) -> str:
        """Everything of this analysis is under this prefix (``delete_prefix`` removes it all)."""
        return f"{ANALYSES_PREFIX}/{self.analysis_id}"

    @property
    def thumbnails_index(self) -> str:
        """The thumbnails' index and the video's facts (JSON)."""
        return f"{self.prefix}/thumbnails.json"

    def thumbnail(self, index: int) -> str:
        """Thumbnail ``index`` (0-based) as a JPEG."""
        return f"{self.prefix}/thumbnails/{index:02d}.jpg"

    @property
    def pose_track(self) -> str:
        """The subject's pose track (``.npz``, :func:`~punch_core.formats.track_to_npz_bytes`)."""
        return f"{self.prefix}/pose_track.npz"

    @property
    def pose_view(self) -> str:
        """The drawable pose track the report's player fetches (gzipped JSON)."""
        return f"{self.prefix}/{POSE_VIEW_NAME}"

    @property
    def subject(self) -> str:
        """The subject choice, video facts and lost spans (JSON)."""
        return f"{self.prefix}/subject.json"

    @property
    def round(self) -> str:
        """Quality, stamps and metrics (JSON)."""
        return f"{self.prefix}/round.json"

    @property
    def coaching(self) -> str:
        """The coaching (JSON)."""
        return f"{self.prefix}/coaching.json"

    @property
    def started(self) -> str:
        """When the analysis was started (JSON), until its report is stored."""
        return f"{self.prefix}/started.json"
