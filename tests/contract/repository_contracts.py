"""Each repository port's behaviour, written once (the docstrings in ``punch_core.ports``).

A test module subclasses these classes and provides a ``repos`` fixture: a bundle with ``users``,
``refresh_tokens``, ``uploads``, ``videos``, ``analyses``, ``stamps``, ``reports`` and ``share_links`` attributes
over one empty database (``MemoryRepositories`` or ``SqlRepositories``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punch_core.errors import ConflictError, NotFoundError, ValidationError
from punch_core.service.records import AnalysisStatus, ReportSummary, Stage, UploadStatus
from tests.contract import records_factory as make
from tests.contract.records_factory import T0, at

THREADS = 8


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` on ``count`` threads released at once; returns results in order (re-raises errors)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # handed back to the test thread, which re-raises it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def assert_utc(value: Any) -> None:
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


class UserRepositoryContract:
    def test_add_then_get_round_trips_every_field(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1"))
        got = repos.users.get("u1")
        assert got == make.user("u1")
        assert_utc(got.created_at)
        assert got.created_at.microsecond == 123456

    def test_a_time_in_another_zone_comes_back_as_the_same_instant(self, repos):
        seoul = T0.astimezone(timezone(timedelta(hours=9)))
        repos.users.add(make.user("u1", created_at=seoul), make.identity("u1"))
        assert repos.users.get("u1").created_at == T0

    def test_find_by_identity_matches_provider_and_subject(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1", provider="google", subject="123"))
        assert repos.users.find_by_identity("google", "123") == make.user("u1")
        assert repos.users.find_by_identity("kakao", "123") is None
        assert repos.users.find_by_identity("google", "124") is None

    def test_a_user_may_have_no_email_or_name(self, repos):
        repos.users.add(make.user("u1", email=None, name=None), make.identity("u1"))
        assert repos.users.get("u1").email is None

    def test_get_of_a_missing_user_raises_not_found(self, repos):
        with pytest.raises(NotFoundError):
            repos.users.get("nobody")

    def test_adding_an_existing_id_conflicts(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1", subject="a"))
        with pytest.raises(ConflictError):
            repos.users.add(make.user("u1", name="Other"), make.identity("u1", subject="b"))
        assert repos.users.get("u1").name == "Ali"
        assert repos.users.find_by_identity("google", "b") is None

    def test_adding_an_existing_identity_conflicts_and_stores_nothing(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1", subject="same"))
        with pytest.raises(ConflictError):
            repos.users.add(make.user("u2"), make.identity("u2", subject="same"))
        with pytest.raises(NotFoundError):
            repos.users.get("u2")
        assert repos.users.find_by_identity("google", "same") == make.user("u1")

    def test_update_replaces_email_and_name(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1"))
        repos.users.update(make.user("u1", email="new@example.com", name=None))
        got = repos.users.get("u1")
        assert (got.email, got.name, got.created_at) == ("new@example.com", None, T0)

    def test_update_of_a_missing_user_raises_not_found(self, repos):
        with pytest.raises(NotFoundError):
            repos.users.update(make.user("nobody"))

    def test_delete_removes_identities_and_refresh_tokens(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1", subject="s1"))
        repos.users.add(make.user("u2"), make.identity("u2", subject="s2"))
        repos.refresh_tokens.add(make.refresh_token("h1", user_id="u1"))
        repos.refresh_tokens.add(make.refresh_token("h2", user_id="u2"))
        repos.users.delete("u1")
        repos.users.delete("u1")  # missing is not an error
        with pytest.raises(NotFoundError):
            repos.users.get("u1")
        assert repos.users.find_by_identity("google", "s1") is None
        assert repos.refresh_tokens.get("h1") is None
        assert repos.refresh_tokens.get("h2") is not None
        # the identity is free again
        repos.users.add(make.user("u3"), make.identity("u3", subject="s1"))
        assert repos.users.find_by_identity("google", "s1") == make.user("u3")


class RefreshTokenRepositoryContract:
    @pytest.fixture
    def tokens(self, repos):
        repos.users.add(make.user("u1"), make.identity("u1"))
        repos.users.add(make.user("u2"), make.identity("u2"))
        return repos.refresh_tokens

    def test_add_then_get_round_trips_every_field(self, tokens):
        token = make.refresh_token("h1", used_at=at(5), revoked_at=at(6))
        tokens.add(token)
        got = tokens.get("h1")
        assert got == token
        for value in (got.created_at, got.expires_at, got.used_at, got.revoked_at):
            assert_utc(value)

    def test_get_of_a_missing_hash_is_none(self, tokens):
        assert tokens.get("nope") is None

    def test_adding_an_existing_hash_conflicts(self, tokens):
        tokens.add(make.refresh_token("h1"))
        with pytest.raises(ConflictError):
            tokens.add(make.refresh_token("h1", family_id="other"))
        assert tokens.get("h1").family_id == "f1"

    def test_adding_a_token_of_a_missing_user_raises_not_found(self, tokens):
        with pytest.raises(NotFoundError):
            tokens.add(make.refresh_token("h1", user_id="nobody"))

    def test_mark_used_succeeds_once(self, tokens):
        tokens.add(make.refresh_token("h1"))
        assert tokens.mark_used("h1", at(10)) is True
        assert tokens.mark_used("h1", at(11)) is False
        assert tokens.get("h1").used_at == at(10)

    def test_mark_used_refuses_revoked_and_missing_tokens(self, tokens):
        tokens.add(make.refresh_token("h1", revoked_at=at(1)))
        assert tokens.mark_used("h1", at(10)) is False
        assert tokens.get("h1").used_at is None
        assert tokens.mark_used("missing", at(10)) is False

    def test_mark_used_is_exactly_once_under_concurrent_refreshes(self, tokens):
        tokens.add(make.refresh_token("h1"))
        results = run_together(THREADS, lambda i: tokens.mark_used("h1", at(100 + i)))
        assert sum(results) == 1
        winner = results.index(True)
        assert tokens.get("h1").used_at == at(100 + winner)

    def test_revoke_family_revokes_only_unrevoked_tokens_of_that_family(self, tokens):
        tokens.add(make.refresh_token("h1", family_id="f1"))
        tokens.add(make.refresh_token("h2", family_id="f1", used_at=at(1)))
        tokens.add(make.refresh_token("h3", family_id="f1", revoked_at=at(2)))
        tokens.add(make.refresh_token("h4", family_id="f2"))
        assert tokens.revoke_family("f1", at(10)) == 2
        assert tokens.revoke_family("f1", at(11)) == 0
        assert tokens.get("h1").revoked_at == at(10)
        assert tokens.get("h2").revoked_at == at(10)
        assert tokens.get("h3").revoked_at == at(2)  # the first revocation stands
        assert tokens.get("h4").revoked_at is None

    def test_a_family_is_revoked_once_any_of_its_tokens_is(self, tokens):
        tokens.add(make.refresh_token("h1", family_id="f1", used_at=at(1)))
        tokens.add(make.refresh_token("h2", family_id="f1"))
        tokens.add(make.refresh_token("h3", family_id="f2"))
        assert tokens.family_revoked("f1") is False  # used in rotation is not revoked
        assert tokens.family_revoked("nobody") is False
        tokens.revoke_family("f1", at(10))
        assert tokens.family_revoked("f1") is True
        assert tokens.family_revoked("f2") is False
        tokens.revoke_user(make.refresh_token("x").user_id, at(11))
        assert tokens.family_revoked("f2") is True

    def test_revoke_user_revokes_every_family_of_that_user(self, tokens):
        tokens.add(make.refresh_token("h1", user_id="u1", family_id="f1"))
        tokens.add(make.refresh_token("h2", user_id="u1", family_id="f2"))
        tokens.add(make.refresh_token("h3", user_id="u2", family_id="f3"))
        assert tokens.revoke_user("u1", at(10)) == 2
        assert tokens.revoke_user("u1", at(11)) == 0
        assert tokens.get("h3").revoked_at is None
        assert tokens.mark_used("h1", at(12)) is False


def runs(received_bytes: set[int]) -> tuple[tuple[int, int], ...]:
    """The maximal half-open runs of a set of byte offsets, sorted: the model of ``Upload.received``."""
    result: list[tuple[int, int]] = []
    for offset in sorted(received_bytes):
        if result and result[-1][1] == offset:
            result[-1] = (result[-1][0], offset + 1)
        else:
            result.append((offset, offset + 1))
    return tuple(result)


_upload_ids = itertools.count()


class UploadRepositoryContract:
    def test_receiving_bytes_add_up_the_owners_unfinished_uploads(self, repos):
        repos.uploads.add(make.upload("up1", owner_id="u1", size_bytes=3_000_000_000))
        repos.uploads.add(make.upload("up2", owner_id="u1", size_bytes=2_000_000_000))
        repos.uploads.add(make.upload("up3", owner_id="u1", size_bytes=7, status=UploadStatus.COMPLETE))
        repos.uploads.add(make.upload("up4", owner_id="u2", size_bytes=11))
        assert repos.uploads.receiving_bytes("u1") == 5_000_000_000
        assert repos.uploads.receiving_bytes("u2") == 11
        assert repos.uploads.receiving_bytes("nobody") == 0

    def test_stale_uploads_are_the_unfinished_ones_started_before_oldest_first(self, repos):
        repos.uploads.add(make.upload("new", created_at=make.T0 + timedelta(hours=2)))
        repos.uploads.add(make.upload("old", created_at=make.T0))
        repos.uploads.add(make.upload("older", created_at=make.T0 - timedelta(hours=1)))
        repos.uploads.add(make.upload("done", created_at=make.T0, status=UploadStatus.COMPLETE))
        repos.uploads.add(make.upload("refused", created_at=make.T0, status=UploadStatus.REJECTED))
        before = make.T0 + timedelta(hours=1)
        assert [u.id for u in repos.uploads.stale(started_before=before, limit=10)] == ["older", "old"]
        assert [u.id for u in repos.uploads.stale(started_before=before, limit=1)] == ["older"]

    def test_add_then_get_round_trips_every_field(self, repos):
        upload = make.upload("up1", received=[(0, 10)], status=UploadStatus.RECEIVING)
        repos.uploads.add(upload)
        got = repos.uploads.get("up1", owner_id="u1")
        assert got == upload
        assert_utc(got.created_at)

    def test_another_owners_upload_is_not_found(self, repos):
        repos.uploads.add(make.upload("up1", owner_id="u1"))
        with pytest.raises(NotFoundError):
            repos.uploads.get("up1", owner_id="u2")
        with pytest.raises(NotFoundError):
            repos.uploads.get("missing", owner_id="u1")

    def test_adding_an_existing_id_conflicts(self, repos):
        repos.uploads.add(make.upload("up1"))
        with pytest.raises(ConflictError):
            repos.uploads.add(make.upload("up1", filename="other.mp4"))

    @pytest.mark.parametrize(
        ("ranges", "expected", "offset"),
        [
            pytest.param([(0, 100)], ((0, 100),), 100, id="first"),
            pytest.param([(0, 100), (50, 150)], ((0, 150),), 150, id="overlapping"),
            pytest.param([(0, 100), (100, 200)], ((0, 200),), 200, id="adjacent"),
            pytest.param([(0, 100), (0, 100)], ((0, 100),), 100, id="duplicate"),
            pytest.param([(200, 300), (0, 100)], ((0, 100), (200, 300)), 100, id="out-of-order-gap"),
            pytest.param([(200, 300), (100, 200), (0, 100)], ((0, 300),), 300, id="out-of-order-filling"),
            pytest.param([(100, 200)], ((100, 200),), 0, id="not-from-start"),
            pytest.param([(0, 500), (100, 200)], ((0, 500),), 500, id="contained"),
            pytest.param([(10, 20), (30, 40), (5, 45)], ((5, 45),), 0, id="covering"),
            pytest.param([(0, 0), (7, 7)], (), 0, id="empty-ranges"),
            pytest.param([(900, 1000), (0, 1000)], ((0, 1000),), 1000, id="whole-file"),
        ],
    )
    def test_add_range_merges(self, repos, ranges, expected, offset):
        repos.uploads.add(make.upload("up1", size_bytes=1000))
        returned = None
        for start, end in ranges:
            returned = repos.uploads.add_range("up1", start, end)
        stored = repos.uploads.get("up1", owner_id="u1")
        assert stored.received == expected
        assert returned == stored
        assert stored.received_offset == offset

    @pytest.mark.parametrize(("start", "end"), [(-1, 10), (10, 5), (0, 1001)])
    def test_add_range_outside_the_file_is_refused(self, repos, start, end):
        repos.uploads.add(make.upload("up1", size_bytes=1000))
        with pytest.raises(ValidationError):
            repos.uploads.add_range("up1", start, end)
        assert repos.uploads.get("up1", owner_id="u1").received == ()

    def test_add_range_of_a_missing_upload_raises_not_found(self, repos):
        with pytest.raises(NotFoundError):
            repos.uploads.add_range("missing", 0, 10)

    def test_concurrent_chunks_all_land(self, repos):
        chunk = 100
        repos.uploads.add(make.upload("up1", size_bytes=THREADS * chunk))
        # Reverse order so that most chunks arrive before the one at the start.
        run_together(
            THREADS, lambda i: repos.uploads.add_range("up1", (THREADS - 1 - i) * chunk, (THREADS - i) * chunk)
        )
        stored = repos.uploads.get("up1", owner_id="u1")
        assert stored.received == ((0, THREADS * chunk),)
        assert stored.received_offset == THREADS * chunk

    @settings(
        max_examples=25,
        deadline=None,
        # Every example makes its own upload, so the database the fixture gives may be shared between examples.
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        st.lists(
            st.tuples(st.integers(0, 64), st.integers(0, 16)).map(lambda p: (p[0], min(64, p[0] + p[1]))),
            max_size=8,
        )
    )
    def test_add_range_matches_a_set_of_bytes(self, repos, ranges):
        upload_id = f"prop{next(_upload_ids)}"
        repos.uploads.add(make.upload(upload_id, size_bytes=64))
        model: set[int] = set()
        for start, end in ranges:
            repos.uploads.add_range(upload_id, start, end)
            model.update(range(start, end))
        stored = repos.uploads.get(upload_id, owner_id="u1")
        assert stored.received == runs(model)
        expected_offset = next((i for i in range(65) if i not in model), 64)
        assert stored.received_offset == expected_offset

    def test_set_status_changes_status_and_error(self, repos):
        repos.uploads.add(make.upload("up1"))
        repos.uploads.set_status("up1", UploadStatus.REJECTED, error="not a video file")
        got = repos.uploads.get("up1", owner_id="u1")
        assert (got.status, got.error) == (UploadStatus.REJECTED, "not a video file")
        repos.uploads.set_status("up1", UploadStatus.COMPLETE)
        got = repos.uploads.get("up1", owner_id="u1")
        assert (got.status, got.error) == (UploadStatus.COMPLETE, None)

    def test_set_status_of_a_missing_upload_raises_not_found(self, repos):
        with pytest.raises(NotFoundError):
            repos.uploads.set_status("missing", UploadStatus.COMPLETE)

    def test_delete(self, repos):
        repos.uploads.add(make.upload("up1"))
        repos.uploads.delete("up1")
        repos.uploads.delete("up1")
        with pytest.raises(NotFoundError):
            repos.uploads.get("up1", owner_id="u1")


class VideoRepositoryContract:
    def test_total_bytes_add_up_the_owners_videos(self, repos):
        repos.videos.add(make.video("v1", owner_id="u1", size_bytes=5_000_000_000))
        repos.videos.add(make.video("v2", owner_id="u1", size_bytes=1))
        repos.videos.add(make.video("v3", owner_id="u2", size_bytes=9))
        assert repos.videos.total_bytes("u1") == 5_000_000_001
        assert repos.videos.total_bytes("nobody") == 0

    def test_add_then_get_round_trips_every_field(self, repos):
        repos.videos.add(make.video("v1"))
        got = repos.videos.get("v1")
        assert got == make.video("v1")
        assert repos.videos.get("v1", owner_id="u1") == got
        assert_utc(got.created_at)

    def test_another_owners_video_is_not_found(self, repos):
        repos.videos.add(make.video("v1", owner_id="u1"))
        with pytest.raises(NotFoundError):
            repos.videos.get("v1", owner_id="u2")
        with pytest.raises(NotFoundError):
            repos.videos.get("missing")

    def test_adding_an_existing_id_conflicts(self, repos):
        repos.videos.add(make.video("v1"))
        with pytest.raises(ConflictError):
            repos.videos.add(make.video("v1"))

    def test_delete(self, repos):
        repos.videos.add(make.video("v1"))
        repos.videos.delete("v1")
        repos.videos.delete("v1")
        with pytest.raises(NotFoundError):
            repos.videos.get("v1")


class AnalysisRepositoryContract:
    def test_add_then_get_round_trips_every_field(self, repos):
        analysis = make.full_analysis("a1")
        repos.analyses.add(analysis)
        got = repos.analyses.get("a1")
        assert got == analysis
        assert got.stage is Stage.STAMPS
        assert got.done_stages == (Stage.THUMBNAILS, Stage.POSE)
        for value in (got.created_at, got.updated_at, got.finished_at):
            assert_utc(value)

    def test_defaults_round_trip(self, repos):
        repos.analyses.add(make.analysis("a1"))
        got = repos.analyses.get("a1")
        assert got == make.analysis("a1")
        assert (got.specs, got.subject, got.stage, got.finished_at) == (None, None, None, None)

    def test_another_owners_analysis_is_not_found_but_workers_see_it(self, repos):
        repos.analyses.add(make.analysis("a1", owner_id="u1"))
        with pytest.raises(NotFoundError):
            repos.analyses.get("a1", owner_id="u2")
        assert repos.analyses.get("a1", owner_id="u1").id == "a1"
        assert repos.analyses.get("a1").id == "a1"
        with pytest.raises(NotFoundError):
            repos.analyses.get("missing")

    def test_adding_an_existing_id_conflicts(self, repos):
        repos.analyses.add(make.analysis("a1"))
        with pytest.raises(ConflictError):
            repos.analyses.add(make.analysis("a1"))

    def test_save_replaces_fields(self, repos):
        repos.analyses.add(make.analysis("a1"))
        failed = attrs.evolve(
            make.full_analysis("a1"),
            status=AnalysisStatus.FAILED,
            error="the boxer is out of frame for 40% of the video",
            specs=None,
            updated_at=at(60),
        )
        repos.analyses.save(failed)
        assert repos.analyses.get("a1") == failed

    def test_save_of_a_missing_analysis_raises_not_found(self, repos):
        with pytest.raises(NotFoundError):
            repos.analyses.save(make.analysis("missing"))

    def test_returned_values_are_copies(self, repos):
        repos.analyses.add(make.full_analysis("a1"))
        got = repos.analyses.get("a1")
        assert got.specs is not None
        got.specs["height_cm"] = 1.0
        assert repos.analyses.get("a1").specs == make.full_analysis("a1").specs

    def test_patch_changes_only_the_given_fields(self, repos):
        repos.analyses.add(make.full_analysis("a1"))
        before = repos.analyses.get("a1")
        after = repos.analyses.patch("a1", progress=42.0, language="ko")
        assert after == attrs.evolve(before, progress=42.0, language="ko")
        assert repos.analyses.get("a1") == after
        with pytest.raises(NotFoundError):
            repos.analyses.patch("missing", progress=1.0)

    def test_concurrent_patches_of_different_fields_never_undo_each_other(self, repos):
        repos.analyses.add(make.analysis("a1"))

        def progress_writer():
            for k in range(1, 41):
                repos.analyses.patch("a1", progress=float(k))

        def specs_writer():
            for k in range(1, 41):
                repos.analyses.patch("a1", specs={"height_cm": 100 + k})

        threads = [threading.Thread(target=progress_writer), threading.Thread(target=specs_writer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        final = repos.analyses.get("a1")
        assert final.progress == 40.0
        assert final.specs == {"height_cm": 140}

    def test_list_unfinished_is_created_queued_or_running_oldest_first(self, repos):
        statuses = [
            AnalysisStatus.COMPLETED,
            AnalysisStatus.RUNNING,
            AnalysisStatus.FAILED,
            AnalysisStatus.QUEUED,
            AnalysisStatus.CREATED,
        ]
        for i, status in enumerate(statuses):
            repos.analyses.add(attrs.evolve(make.analysis(f"a{i}", created_at=at(10 - i)), status=status))
        assert [a.id for a in repos.analyses.list_unfinished()] == ["a4", "a3", "a1"]
        assert [a.id for a in repos.analyses.list_unfinished(limit=1)] == ["a4"]

    def test_list_for_owner_is_newest_first_and_pages(self, repos):
        for i in range(5):
            repos.analyses.add(make.analysis(f"a{i}", created_at=at(i)))
        repos.analyses.add(make.analysis("other", owner_id="u2", created_at=at(10)))
        newest_first = ["a4", "a3", "a2", "a1", "a0"]
        assert [a.id for a in repos.analyses.list_for_owner("u1", limit=10, offset=0)] == newest_first
        assert [a.id for a in repos.analyses.list_for_owner("u1", limit=2, offset=0)] == newest_first[:2]
        assert [a.id for a in repos.analyses.list_for_owner("u1", limit=2, offset=2)] == newest_first[2:4]
        assert [a.id for a in repos.analyses.list_for_owner("u1", limit=2, offset=4)] == newest_first[4:]
        assert repos.analyses.list_for_owner("u1", limit=2, offset=6) == []
        assert repos.analyses.list_for_owner("nobody", limit=10, offset=0) == []

    def test_list_for_owner_breaks_ties_by_id(self, repos):
        for analysis_id in ("b", "c", "a"):
            repos.analyses.add(make.analysis(analysis_id, created_at=T0))
        assert [a.id for a in repos.analyses.list_for_owner("u1", limit=10, offset=0)] == ["c", "b", "a"]

    def test_delete_takes_stamps_report_and_share_links_with_it(self, repos):
        for analysis_id in ("a1", "a2"):
            repos.analyses.add(make.analysis(analysis_id))
            repos.stamps.replace(analysis_id, [make.stamp(1.0), make.stamp(2.0)])
            repos.reports.save(analysis_id, "u1", make.report(), created_at=T0)
            repos.share_links.add(make.share_link(f"link-{analysis_id}", analysis_id=analysis_id))
        repos.analyses.delete("a1")
        repos.analyses.delete("a1")  # missing is not an error
        with pytest.raises(NotFoundError):
            repos.analyses.get("a1")
        assert repos.stamps.list("a1") == []
        with pytest.raises(NotFoundError):
            repos.reports.get("a1")
        assert repos.share_links.get("link-a1") is None
        assert repos.share_links.list_for_analysis("a1") == []
        assert repos.reports.count_for_owner("u1") == 1
        # the other analysis keeps everything
        assert len(repos.stamps.list("a2")) == 2
        assert repos.reports.get("a2") == make.report()
        assert repos.share_links.get("link-a2") is not None


class StampRepositoryContract:
    @pytest.fixture
    def stamps(self, repos):
        repos.analyses.add(make.analysis("a1"))
        repos.analyses.add(make.analysis("a2"))
        return repos.stamps

    def test_replace_then_list_in_time_order(self, stamps):
        given_stamps = [make.stamp(3.0, "cross"), make.stamp(1.0), make.stamp(2.0, "lead_hook")]
        stamps.replace("a1", given_stamps)
        listed = stamps.list("a1")
        assert [s["t_start_s"] for s in listed] == [1.0, 2.0, 3.0]
        assert listed == sorted(given_stamps, key=lambda s: s["t_start_s"])

    def test_stamps_starting_together_keep_the_order_given(self, stamps):
        stamps.replace("a1", [make.stamp(1.0, "jab"), make.stamp(1.0, "cross"), make.stamp(0.5, "slip")])
        assert [s["kind"] for s in stamps.list("a1")] == ["slip", "jab", "cross"]

    def test_replace_never_duplicates(self, stamps):
        stamps.replace("a1", [make.stamp(1.0), make.stamp(2.0)])
        stamps.replace("a1", [make.stamp(1.0), make.stamp(2.0)])
        assert len(stamps.list("a1")) == 2
        stamps.replace("a1", [make.stamp(5.0, "cross")])
        assert [s["kind"] for s in stamps.list("a1")] == ["cross"]
        stamps.replace("a1", [])
        assert stamps.list("a1") == []

    def test_stamps_are_per_analysis(self, stamps):
        stamps.replace("a1", [make.stamp(1.0)])
        stamps.replace("a2", [make.stamp(2.0), make.stamp(3.0)])
        assert len(stamps.list("a1")) == 1
        assert stamps.list("missing") == []

    def test_replace_for_a_missing_analysis_raises_not_found(self, stamps):
        with pytest.raises(NotFoundError):
            stamps.replace("missing", [make.stamp(1.0)])

    def test_concurrent_replaces_leave_one_set(self, stamps):
        run_together(THREADS, lambda i: stamps.replace("a1", [make.stamp(float(i)), make.stamp(i + 0.5)]))
        listed = stamps.list("a1")
        assert len(listed) == 2
        assert listed[1]["t_start_s"] == listed[0]["t_start_s"] + 0.5


class ReportRepositoryContract:
    @pytest.fixture
    def reports(self, repos):
        for i in range(4):
            repos.analyses.add(make.analysis(f"a{i}", created_at=at(i)))
        repos.analyses.add(make.analysis("b0", owner_id="u2"))
        return repos.reports

    def test_save_then_get_round_trips_the_document(self, reports):
        reports.save("a0", "u1", make.report(), created_at=T0)
        assert reports.get("a0") == make.report()
        assert reports.get("a0", owner_id="u1") == make.report()

    def test_another_owners_report_is_not_found(self, reports):
        reports.save("a0", "u1", make.report(), created_at=T0)
        with pytest.raises(NotFoundError):
            reports.get("a0", owner_id="u2")
        with pytest.raises(NotFoundError):
            reports.get("a1")

    def test_save_replaces(self, reports):
        reports.save("a0", "u1", make.report(strikes_total=1), created_at=T0)
        reports.save("a0", "u1", make.report(strikes_total=2), created_at=at(5))
        assert reports.get("a0")["metrics"]["strikes_total"] == 2
        assert reports.count_for_owner("u1") == 1
        [summary] = reports.list_for_owner("u1", limit=10, offset=0)
        assert (summary.strikes_total, summary.created_at) == (2, at(5))

    def test_save_for_a_missing_analysis_raises_not_found(self, reports):
        with pytest.raises(NotFoundError):
            reports.save("missing", "u1", make.report(), created_at=T0)

    def test_summaries_are_newest_first_and_page(self, reports):
        for i in range(4):
            reports.save(
                f"a{i}", "u1", make.report(strikes_total=i, spm=None if i == 2 else 10.0 + i), created_at=at(i)
            )
        reports.save("b0", "u2", make.report(), created_at=at(100))
        summaries = reports.list_for_owner("u1", limit=10, offset=0)
        assert [s.analysis_id for s in summaries] == ["a3", "a2", "a1", "a0"]
        expected = [
            ReportSummary.from_report(f"a{i}", at(i), make.report(strikes_total=i, spm=None if i == 2 else 10.0 + i))
            for i in (3, 2, 1, 0)
        ]
        assert summaries == expected
        assert summaries[1].strikes_per_minute is None
        assert summaries[0].guard_discipline is None
        assert_utc(summaries[0].created_at)
        assert [s.analysis_id for s in reports.list_for_owner("u1", limit=2, offset=1)] == ["a2", "a1"]
        assert reports.count_for_owner("u1") == 4
        assert reports.count_for_owner("u2") == 1
        assert reports.count_for_owner("nobody") == 0

    def test_a_report_without_metrics_summarises_to_zeros(self, reports):
        reports.save("a0", "u1", {"format": "punch-report/1"}, created_at=T0)
        [summary] = reports.list_for_owner("u1", limit=1, offset=0)
        assert summary == ReportSummary.from_report("a0", T0, {})
        assert (summary.duration_s, summary.strikes_total, summary.strikes_per_minute) == (0.0, 0, None)


class ShareLinkRepositoryContract:
    @pytest.fixture
    def links(self, repos):
        repos.analyses.add(make.analysis("a1"))
        repos.analyses.add(make.analysis("a2"))
        return repos.share_links

    def test_add_then_get_round_trips_every_field(self, links):
        link = make.share_link("Ab3dE6gH", expires_at=at(86400))
        links.add(link)
        got = links.get("Ab3dE6gH")
        assert got == link
        assert_utc(got.created_at)
        assert_utc(got.expires_at)
        assert links.get("missing0") is None

    def test_adding_an_existing_hash_conflicts(self, links):
        links.add(make.share_link("Ab3dE6gH", analysis_id="a1"))
        with pytest.raises(ConflictError):
            links.add(make.share_link("Ab3dE6gH", analysis_id="a2"))
        assert links.get("Ab3dE6gH").analysis_id == "a1"

    def test_a_link_to_a_missing_analysis_raises_not_found(self, links):
        with pytest.raises(NotFoundError):
            links.add(make.share_link("Ab3dE6gH", analysis_id="missing"))

    def test_active_expired_and_revoked(self, links):
        links.add(make.share_link("forever0"))
        links.add(make.share_link("expiring", expires_at=at(60)))
        links.add(make.share_link("revoked0"))
        links.revoke("revoked0", at(1))
        now = at(30)
        assert links.get("forever0").is_active(now)
        assert links.get("expiring").is_active(now)
        assert not links.get("expiring").is_active(at(60))
        assert not links.get("revoked0").is_active(now)

    def test_revoking_twice_keeps_the_first_time(self, links):
        links.add(make.share_link("Ab3dE6gH"))
        links.revoke("Ab3dE6gH", at(1))
        links.revoke("Ab3dE6gH", at(2))
        assert links.get("Ab3dE6gH").revoked_at == at(1)

    def test_revoking_a_missing_link_raises_not_found(self, links):
        with pytest.raises(NotFoundError):
            links.revoke("missing0", at(1))

    def test_list_for_analysis_is_newest_first(self, links):
        links.add(make.share_link("first000", created_at=at(1)))
        links.add(make.share_link("third000", created_at=at(3)))
        links.add(make.share_link("second00", created_at=at(2), revoked_at=at(2)))
        links.add(make.share_link("other000", analysis_id="a2"))
        assert [link.hash for link in links.list_for_analysis("a1")] == ["third000", "second00", "first000"]
        assert links.list_for_analysis("missing") == []
