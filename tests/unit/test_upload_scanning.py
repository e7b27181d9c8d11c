"""Malware scanning in the upload use case: what happens on each verdict, and that the scan comes first.

The scanner here is a fake at the port (the real clamd adapter has its own contract tests): it records the bytes
it is given and what the store had been asked before it answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import attrs
import pytest

from punch_adapters.memory.repositories import MemoryRepositories
from punch_adapters.storage import memory_store
from punch_core.errors import ConflictError, MalwareRejectedError, NotFoundError, ScannerUnavailableError
from punch_core.ports.scan import ScanVerdict
from punch_core.ports.storage import ObjectStore
from punch_core.service.media import SNIFF_BYTES
from punch_core.service.records import UploadStatus
from punch_core.service.uploads import UploadPorts, complete_upload, parts_prefix, upload_status
from tests.unit.test_uploads import (
    LIMITS,
    FakeFrameSource,
    large_mp4,
    make_ports,
    upload_all,
    upload_large,
    video_bytes,
)


class RecordingStore:
    """A memory store that writes down every read and write, in order."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.events: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def open_read(self, key: str, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        self.events.append(f"sniff {key}" if chunk_size == SNIFF_BYTES else f"read {key}")
        return self.inner.open_read(key, chunk_size=chunk_size)

    def read_range(self, key: str, start: int, end: int) -> bytes:
        self.events.append(f"range {key}")
        return self.inner.read_range(key, start, end)

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> int:
        self.events.append(f"write {key}")
        return self.inner.put_stream(key, chunks)

    def concat(self, key: str, sources: Sequence[str]) -> int:
        self.events.append(f"write {key}")
        return self.inner.concat(key, sources)


@attrs.define
class FakeScanner:
    """Answers ``verdict`` (or raises ``ScannerUnavailableError`` while ``down``) after reading every byte."""

    store: RecordingStore
    verdict: ScanVerdict = attrs.field(factory=ScanVerdict.clean)
    down: bool = False
    scanned: list[bytes] = attrs.field(factory=list)

    def scan(self, chunks: Iterable[bytes]) -> ScanVerdict:
        self.store.events.append("scan started")
        data = b"".join(chunks)
        self.store.events.append("scan answered")
        if self.down:
            raise ScannerUnavailableError("the malware scanner is not available right now")
        self.scanned.append(data)
        return self.verdict


def scanning_ports(
    verdict: ScanVerdict | None = None,
) -> tuple[UploadPorts, FakeScanner, RecordingStore, MemoryRepositories, FakeFrameSource]:
    store = RecordingStore(memory_store())
    ports, repos, source = make_ports(store)  # type: ignore[arg-type]
    scanner = FakeScanner(store, verdict or ScanVerdict.clean())
    return attrs.evolve(ports, scanner=scanner), scanner, store, repos, source


def _nothing_stays(ports: UploadPorts, upload_id: str) -> None:
    assert ports.store.delete_prefix(f"videos/{upload_id}") == 0
    assert ports.store.delete_prefix(parts_prefix(upload_id)) == 0


def test_a_clean_file_is_scanned_whole_before_anything_reads_it_as_a_video() -> None:
    ports, scanner, store, _, source = scanning_ports()
    data = video_bytes(size=1000)
    upload_id = upload_all(ports, data, chunk=300)
    store.events.clear()
    video, _ = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert scanner.scanned == [data]
    answered = store.events.index("scan answered")
    before, after = store.events[:answered], store.events[answered:]
    assert before[0] == "scan started"
    assert all(event.startswith("read uploads/") for event in before[1:]), before
    assert any(event.startswith("sniff ") for event in after)
    assert f"write {video.object_key}" in after
    assert len(source.probed) == 1


def test_the_boxes_of_a_large_mp4_are_read_only_after_the_scan_answered() -> None:
    ports, scanner, store, _, _ = scanning_ports()
    data = large_mp4()
    upload_id = upload_large(ports, data)
    store.events.clear()
    complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert scanner.scanned == [data]
    answered = store.events.index("scan answered")
    assert not any(event.startswith("range ") for event in store.events[:answered]), store.events
    assert any(event.startswith("range ") for event in store.events[answered:]), store.events


@pytest.mark.parametrize(
    ("verdict", "message"),
    [
        (ScanVerdict.infected("Eicar-Test-Signature"), r"rejected by the malware scan \(Eicar-Test-Signature\)"),
        (
            ScanVerdict.unscannable("it is larger than the scanner accepts"),
            r"could not be checked by the malware scan \(it is larger than the scanner accepts\)",
        ),
    ],
)
def test_an_infected_or_unscannable_file_is_refused_deleted_and_never_read_as_video(
    verdict: ScanVerdict, message: str
) -> None:
    ports, _, store, repos, source = scanning_ports(verdict)
    # A PNG would be refused as "a PNG image" by the sniffing; the scan's answer comes first.
    upload_id = upload_all(ports, b"\x89PNG\r\n\x1a\n" + bytes(500), chunk=200)
    store.events.clear()
    with pytest.raises(MalwareRejectedError, match=message) as refused:
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert "has been deleted" in refused.value.user_message
    assert refused.value.reason == verdict.detail
    assert not any(event.startswith(("sniff ", "write ")) for event in store.events), store.events
    assert source.probed == []
    _nothing_stays(ports, upload_id)
    upload = upload_status(ports, upload_id, "u1")
    assert upload.status is UploadStatus.REJECTED
    assert upload.error == refused.value.user_message
    with pytest.raises(NotFoundError):
        repos.videos.get(upload_id)
    assert repos.analyses.list_for_owner("u1", limit=10, offset=0) == []
    with pytest.raises(ConflictError, match="refused"):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)


def test_a_scanner_outage_refuses_nothing_and_completing_later_works() -> None:
    ports, scanner, store, repos, source = scanning_ports()
    data = video_bytes(size=700)
    upload_id = upload_all(ports, data)
    scanner.down = True
    store.events.clear()
    with pytest.raises(ScannerUnavailableError):
        complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert not any(event.startswith(("sniff ", "write ")) for event in store.events), store.events
    assert source.probed == []
    upload = upload_status(ports, upload_id, "u1")
    assert (upload.status, upload.received_offset, upload.error) == (UploadStatus.RECEIVING, 700, None)
    assert repos.analyses.list_for_owner("u1", limit=10, offset=0) == []
    scanner.down = False
    video, analysis = complete_upload(ports, upload_id, "u1", limits=LIMITS)
    assert ports.store.get(video.object_key) == data
    assert scanner.scanned == [data]
    assert analysis.video_id == video.id


def test_without_a_scanner_nothing_is_scanned() -> None:
    ports, _, _ = make_ports()
    assert ports.scanner is None
    video, _ = complete_upload(ports, upload_all(ports, video_bytes(size=700)), "u1", limits=LIMITS)
    assert video.size_bytes == 700
