"""Ports: what the domain needs from the outside world, as ``typing.Protocol``s.

Adapters in ``punch_adapters`` inherit these explicitly, so mypy checks that they match. Each docstring is the
contract the adapter's contract tests check.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from punch_core.coaching.model import Coaching
    from punch_core.coaching.offline import CoachingRequest
    from punch_core.records import (
        Analysis,
        Identity,
        RefreshToken,
        ReportSummary,
        ShareLink,
        Stage,
        Upload,
        UploadStatus,
        User,
        Video,
    )
    from punch_core.subject import PeopleTrack, PersonBox


@attrs.frozen(kw_only=True)
class VideoInfo:
    """What a probe learns about a video file without decoding it all."""

    container: str
    duration_s: float
    fps: float
    width: int
    height: int
    rotation_deg: int
    n_frames: int


@attrs.frozen(kw_only=True, eq=False)
class Frame:
    """One decoded frame: RGB pixels (H, W, 3) uint8, upright (rotation applied), and its time."""

    index: int
    t_s: float
    rgb: npt.NDArray[np.uint8]


class FrameSource(Protocol):
    """Reads video files."""

    def probe(self, path: str) -> VideoInfo:
        """Container, duration, fps, size, rotation. Raises a ``PunchError`` for corrupt or unsupported files."""
        ...

    def frames(self, path: str, *, start_s: float = 0.0, end_s: float | None = None) -> Iterator[Frame]:
        """Decode frames one at a time (never the whole video in memory), upright."""
        ...

    def frame_at(self, path: str, t_s: float) -> Frame:
        """The frame shown at ``t_s`` seconds (the last one if ``t_s`` is past the end), upright."""
        ...

    def frames_at(self, path: str, times_s: Sequence[float]) -> list[Frame]:
        """``frame_at`` for each of ``times_s`` (ascending), from one pass over the video where that is cheaper."""
        ...

    def without_metadata(self, path: str, out_path: str, *, container: str) -> None:
        """Write the video to ``out_path`` (``container``: mp4, mov or webm) without its metadata.

        Its video and audio tracks are copied as they are, and nothing else: no location, no container or track
        tags, no data tracks. No re-encoding, so nothing is lost; the display rotation is kept. Raises
        ``MediaError`` for a file that cannot be read.
        """
        ...


class PoseEstimator(Protocol):
    """Finds people and their 33 landmarks."""

    def people(self, frame: Frame) -> list[PersonBox]:
        """Every person on one frame (for thumbnails and subject choice), largest first."""
        ...

    def people_track(
        self,
        path: str,
        info: VideoInfo,
        *,
        max_people: int,
        progress: Callable[[float], None] | None = None,
    ) -> PeopleTrack:
        """Everyone's pose on every frame of a video, up to ``max_people`` per frame (docs of ``PeopleTrack``).

        ``progress`` is called with the share done (0-1) as frames are processed.
        Raises ``MediaError`` for unreadable video.
        """
        ...


class ObjectStore(Protocol):
    """Stores large blobs (videos, pose tracks, thumbnails, overlays) by key.

    Keys are ``/``-separated paths of ``[A-Za-z0-9._-]`` segments (``videos/abc123/source.mp4``); anything else
    (empty segments, ``..``, a leading ``/``) raises ``ValidationError``. Large objects stream in and out with
    bounded memory. A write is all or nothing: a failed ``put_stream`` leaves no partial object visible. Driver
    errors (the store is down or refuses) become ``StorageUnavailableError``.
    """

    def put(self, key: str, data: bytes) -> None:
        """Write (replace) an object."""
        ...

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write (replace) an object from chunks with bounded memory; returns the byte count."""
        ...

    def concat(self, key: str, sources: Sequence[str]) -> int:
        """Write (replace) ``key`` with the ``sources`` objects one after another, all or nothing; returns its size.

        Stores that can copy on their own side do (S3: a multipart upload of part copies), so no byte travels
        through this process; others stream. The sources stay. Raises ``NotFoundError`` for a missing source.
        """
        ...

    def start_join(self, key: str) -> str:
        """Begin writing ``key`` from numbered pieces; returns the join's id (nothing is visible at ``key`` yet).

        S3 joins the pieces by reference on ``finish_join`` (a multipart upload: no byte is copied); other
        stores keep them as objects beside the key and stream them into it.
        """
        ...

    def put_piece(self, key: str, join_id: str, number: int, data: bytes | bytearray) -> None:
        """Store piece ``number`` (1 to 10,000) of a join. ``NotFoundError`` if the join is finished or unknown.

        Every piece but the last must hold at least 5 MiB (S3's rule), and a number stored again must hold the
        same bytes (some S3 servers keep every version of a part and cannot tell which is newest).
        """
        ...

    def piece_sizes(self, key: str, join_id: str) -> dict[int, int]:
        """The size of every stored piece of the join, by number. ``NotFoundError`` if it is finished or unknown."""
        ...

    def abort_join(self, key: str, join_id: str) -> None:
        """Give up an unfinished join: its stored pieces are removed. An unknown or finished join is no error."""
        ...

    def finish_join(self, key: str, join_id: str, numbers: Sequence[int]) -> int:
        """Write (replace) ``key`` with the pieces ``numbers`` in order and end the join; returns the size.

        All or nothing. ``NotFoundError`` if the join is finished or unknown or a piece is missing.
        """
        ...

    def get(self, key: str) -> bytes:
        """Read a whole object. Raises ``NotFoundError``."""
        ...

    def open_read(self, key: str, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream an object in chunks of at most ``chunk_size`` bytes. Raises ``NotFoundError`` (before yielding)."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes. Raises ``NotFoundError``."""
        ...

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of an object (fewer past its end; video seeking). Raises ``NotFoundError``."""
        ...

    def read_url(self, key: str, *, expires_s: int, content_type: str | None = None) -> str | None:
        """A URL from which anyone holding it reads the object for ``expires_s`` seconds, range requests included.

        Stores that serve objects themselves sign one (S3: a presigned GET, ``content_type`` as the answer's
        type); others (a local folder, memory) return None, and the caller serves the bytes. No request goes to
        the store (the object may not exist). Raises ``ValidationError`` for a bad key or a non-positive ``expires_s``.
        """
        ...

    def exists(self, key: str) -> bool:
        """Whether the key exists."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix/`` (a key prefix ending at a segment); returns how many."""
        ...

    def sizes(self, prefix: str) -> dict[str, int]:
        """The size in bytes of every object under ``prefix/``, by key, from one listing (not one call per object)."""
        ...

    def local_path(self, key: str, *, ranges: Sequence[tuple[int, int]] | None = None) -> AbstractContextManager[str]:
        """A local file holding the object for the duration of the ``with`` block (decoders need a path).

        A local-directory store yields its own file; others download to a temporary file deleted afterwards.
        With ``ranges`` (``[start, end)`` byte pairs), those others fetch only these bytes into a temporary file
        of the object's full size whose other bytes read as zeros (a probe needs only a file's index and first
        frames). Raises ``NotFoundError``; ``ValidationError`` for a negative or reversed range.
        """
        ...


#: How every encrypted stored value begins (``FieldCipher``); anything else is plain text from before encryption.
ENCRYPTED_PREFIX = "enc:"


class FieldCipher(Protocol):
    """Encrypts single stored values (a user's email, name) at rest, each bound to the place it is stored.

    ``context`` names that place (``users.email:<user id>``): a value decrypts only under the context it was
    encrypted with, so a ciphertext copied into another row or column is refused. Decrypting a value that is not
    in the cipher's format returns it unchanged (rows written before encryption was switched on); decrypting a
    tampered value, or one under a key the cipher no longer has, raises (never returns garbage). That error is
    the operator's (wrong keys), not the user's, so it is not a ``PunchError``. Encrypted values start with
    :data:`ENCRYPTED_PREFIX`; a stored value without it is plain text written before encryption was switched on.
    """

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """The stored form of ``plaintext``, under the newest key."""
        ...

    def decrypt(self, stored: str, *, context: str) -> str:
        """The plaintext of a stored value (legacy plain text comes back as it is)."""
        ...

    def is_current(self, stored: str) -> bool:
        """Whether ``stored`` is encrypted under the newest key (key rotation skips those)."""
        ...


class UserRepository(Protocol):
    """Users and their sign-in identities."""

    def add(self, user: User, identity: Identity) -> None:
        """Store a new user with their first identity. Raises ``ConflictError`` if the id or identity exists."""
        ...

    def get(self, user_id: str) -> User:
        """One user. Raises ``NotFoundError``."""
        ...

    def find_by_identity(self, provider: str, subject: str) -> User | None:
        """The user signed in with this provider and subject, if any."""
        ...

    def update(self, user: User) -> None:
        """Replace a user's fields (email, name). Raises ``NotFoundError``."""
        ...

    def delete(self, user_id: str) -> None:
        """Remove a user with their identities and refresh tokens; missing is not an error."""
        ...


class RefreshTokenRepository(Protocol):
    """Refresh tokens, by hash (the token itself is never stored)."""

    def add(self, token: RefreshToken) -> None:
        """Store a new token. Raises ``ConflictError`` if the hash exists, ``NotFoundError`` if the user does not."""
        ...

    def get(self, token_hash: str) -> RefreshToken | None:
        """The token with this hash, if any."""
        ...

    def mark_used(self, token_hash: str, at: datetime) -> bool:
        """Mark a token used, atomically: True if this call did it, False if it was already used or revoked.

        Two concurrent refreshes with one token: exactly one gets True (the other is a reuse).
        """
        ...

    def revoke_family(self, family_id: str, at: datetime) -> int:
        """Revoke every token of a family that is not yet revoked; returns how many."""
        ...

    def revoke_user(self, user_id: str, at: datetime) -> int:
        """Revoke every token of a user that is not yet revoked; returns how many."""
        ...

    def family_revoked(self, family_id: str) -> bool:
        """Whether a sign-in has ended: a token of the family was revoked (sign-out, reuse, account removal)."""
        ...


class UploadRepository(Protocol):
    """Resumable uploads and the byte ranges received."""

    def add(self, upload: Upload) -> None:
        """Store a new upload. Raises ``ConflictError`` if the id exists."""
        ...

    def get(self, upload_id: str, *, owner_id: str) -> Upload:
        """One upload of this owner. Raises ``NotFoundError`` (also for another owner's id)."""
        ...

    def add_range(self, upload_id: str, start: int, end: int) -> Upload:
        """Record bytes ``[start, end)`` as received (merged with the others, atomically); returns the upload.

        Recording a range twice is harmless. Raises ``NotFoundError``, or ``ValidationError`` for a range outside
        ``0..size_bytes`` (``Upload.with_range``).
        """
        ...

    def set_status(self, upload_id: str, status: UploadStatus, *, error: str | None = None) -> None:
        """Change the status. Raises ``NotFoundError``."""
        ...

    def receiving_bytes(self, owner_id: str) -> int:
        """The declared sizes of the owner's uploads still receiving, added up."""
        ...

    def stale(self, *, started_before: datetime, limit: int) -> list[Upload]:
        """Up to ``limit`` uploads still receiving that were started before ``started_before``, oldest first."""
        ...

    def delete(self, upload_id: str) -> None:
        """Remove an upload; missing is not an error."""
        ...


class VideoRepository(Protocol):
    """Validated videos."""

    def add(self, video: Video) -> None:
        """Store a new video. Raises ``ConflictError`` if the id exists."""
        ...

    def total_bytes(self, owner_id: str) -> int:
        """The sizes of the owner's videos, added up."""
        ...

    def get(self, video_id: str, *, owner_id: str | None = None) -> Video:
        """One video (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        ...

    def delete(self, video_id: str) -> None:
        """Remove a video record; missing is not an error."""
        ...


class AnalysisRepository(Protocol):
    """Analyses and their processing state."""

    def add(self, analysis: Analysis) -> None:
        """Store a new analysis. Raises ``ConflictError`` if the id exists."""
        ...

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> Analysis:
        """One analysis (of this owner when ``owner_id`` is given; workers pass None). Raises ``NotFoundError``."""
        ...

    def save(self, analysis: Analysis) -> None:
        """Replace an analysis's fields. Raises ``NotFoundError``."""
        ...

    def patch(self, analysis_id: str, **fields: Any) -> Analysis:  # noqa: ANN401 - record fields of any type
        """Change only these fields, atomically (read and write in one locked step); returns the result.

        Two writers changing different fields (the stage thread and a request) never undo each other.
        Raises ``NotFoundError``.
        """
        ...

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[Analysis]:
        """This owner's analyses, newest first."""
        ...

    def list_unfinished(self, *, limit: int = 1000) -> list[Analysis]:
        """Analyses that are created, queued or running (what a restarted job runner looks at), oldest first."""
        ...

    def delete(self, analysis_id: str) -> None:
        """Remove an analysis with its stamps, report and share links; missing is not an error."""
        ...


class StampRepository(Protocol):
    """The stamps of each analysis, one row per stamp (``Stamp.to_dict`` form)."""

    def replace(self, analysis_id: str, stamps: Sequence[Mapping[str, Any]]) -> None:
        """Store the stamps of an analysis, replacing any stored before, atomically (a rerun never duplicates).

        Raises ``NotFoundError`` if the analysis does not exist.
        """
        ...

    def list(self, analysis_id: str) -> list[dict[str, Any]]:
        """The stamps of an analysis in time order (empty if none)."""
        ...


class ReportRepository(Protocol):
    """Report documents (docs/formats.md), one per analysis."""

    def save(self, analysis_id: str, owner_id: str, report: Mapping[str, Any], *, created_at: datetime) -> None:
        """Store (replace) the report of an analysis. Raises ``NotFoundError`` if the analysis does not exist."""
        ...

    def get(self, analysis_id: str, *, owner_id: str | None = None) -> dict[str, Any]:
        """The report (of this owner when ``owner_id`` is given). Raises ``NotFoundError``."""
        ...

    def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[ReportSummary]:
        """This owner's report summaries, newest first."""
        ...

    def count_for_owner(self, owner_id: str) -> int:
        """How many reports this owner has."""
        ...


class ShareLinkRepository(Protocol):
    """Share links of reports."""

    def add(self, link: ShareLink) -> None:
        """Store a new link. Raises ``ConflictError`` if the hash exists (the caller draws another).

        Raises ``NotFoundError`` if the analysis does not exist.
        """
        ...

    def get(self, share_hash: str) -> ShareLink | None:
        """The link with this hash, active or not, if any."""
        ...

    def list_for_analysis(self, analysis_id: str) -> list[ShareLink]:
        """Every link of an analysis, newest first."""
        ...

    def revoke(self, share_hash: str, at: datetime) -> None:
        """Revoke a link (revoking twice keeps the first time). Raises ``NotFoundError``."""
        ...


class JobQueue(Protocol):
    """Runs processing stages in the background, higher priority first."""

    async def enqueue(self, stage: Stage, analysis_id: str) -> str:
        """Queue one stage of one analysis; returns the job id (``{analysis_id}:{stage}``).

        Enqueuing a stage that is queued or running is a no-op that returns the same id.
        """
        ...


class ProgressSink(Protocol):
    """Publishes and follows analysis progress."""

    async def publish(self, analysis_id: str, event: Mapping[str, Any]) -> None:
        """Announce an event (``{"status", "stage", "percent", ...}``) to everyone following this analysis."""
        ...

    def follow(self, analysis_id: str) -> AsyncIterator[Mapping[str, Any]]:
        """Events of one analysis as they are published, from the moment of the call."""
        ...


class Metrics(Protocol):
    """Counts and times what the service does (Prometheus in production; docs/observability.md lists names)."""

    def increment(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        ...

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation of a histogram (durations in seconds)."""
        ...

    def set_gauge(self, name: str, value: float, **labels: str) -> None:
        """Set a gauge."""
        ...


class Coach(Protocol):
    """Writes coaching for a round."""

    def coach(self, request: CoachingRequest) -> Coaching:
        """The coaching for one request. Adapters fall back rather than raise where they can."""
        ...


class ScanOutcome(enum.Enum):
    """What a malware scan decided about a file."""

    CLEAN = "clean"
    INFECTED = "infected"
    UNSCANNABLE = "unscannable"
    """The scanner could not check this file (over its size limit, data it cannot parse): never accepted."""


@attrs.frozen(kw_only=True)
class ScanVerdict:
    """A malware scanner's answer about one file.

    Attributes:
        outcome: Clean, infected or unscannable.
        detail: The signature found (``Eicar-Test-Signature``) when infected, why when unscannable, else empty.
    """

    outcome: ScanOutcome
    detail: str = ""

    @classmethod
    def clean(cls) -> ScanVerdict:
        """Nothing was found."""
        return cls(outcome=ScanOutcome.CLEAN)

    @classmethod
    def infected(cls, signature: str) -> ScanVerdict:
        """The scanner found ``signature``."""
        return cls(outcome=ScanOutcome.INFECTED, detail=signature)

    @classmethod
    def unscannable(cls, reason: str) -> ScanVerdict:
        """The scanner could not check the file, for ``reason`` (in words)."""
        return cls(outcome=ScanOutcome.UNSCANNABLE, detail=reason)


class MalwareScanner(Protocol):
    """Scans untrusted files for malware before anything decodes them (ClamAV's clamd in production)."""

    def scan(self, chunks: Iterable[bytes]) -> ScanVerdict:
        """The verdict on the file made of ``chunks``, consumed once, in order, with bounded memory.

        An error raised by ``chunks`` itself (the store failing) propagates unchanged.

        Raises:
            ScannerUnavailableError: if the scanner cannot be reached, fails, or does not answer in time: nothing
                was decided about the file, and scanning it again later may succeed.
        """
        ...


class Clock(Protocol):
    """Tells the time (the domain never reads the system clock itself)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    """Makes unique ids and secrets (the domain draws no random numbers itself)."""

    def new_id(self) -> str:
        """A new unique id (URL-safe, 16+ characters)."""
        ...

    def new_secret(self) -> str:
        """A new unguessable secret (URL-safe, 256 bits): refresh tokens, OAuth state, PKCE verifiers."""
        ...

    def new_share_hash(self) -> str:
        """A new 8-character base62 share hash."""
        ...


@attrs.frozen(kw_only=True)
class ProviderIdentity:
    """Who an identity provider says signed in."""

    provider: str
    subject: str
    email: str | None = None
    name: str | None = None


class IdentityProvider(Protocol):
    """A sign-in provider (Google OpenID Connect, Kakao OAuth 2.0): authorization code flow with PKCE S256."""

    name: str

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser to sign in (carries state, nonce for OIDC, and the S256 code challenge)."""
        ...

    async def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> ProviderIdentity:
        """Trade the code for tokens and the user's identity (ID token checked for OIDC, nonce included).

        Raises:
            AuthError: if the provider refuses the code or the ID token does not check out.
            StorageUnavailableError: if the provider cannot be reached.
        """
        ...


class TokenSigner(Protocol):
    """Signs and verifies access tokens (JWT)."""

    def sign(self, claims: Mapping[str, Any], *, expires_in_s: int) -> str:
        """A signed token carrying ``claims`` that expires after ``expires_in_s`` seconds."""
        ...

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token. Raises ``AuthError`` if it is tampered with, expired or malformed."""
        ...
