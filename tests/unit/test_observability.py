"""JSON log lines carry the event and the ids of the request, user and analysis; metric names are declared once."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from punch_adapters.metrics.prometheus import PrometheusMetrics
from punch_app.logs import ContextFilter, configure_logging, log_context


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    configure_logging(fmt="json", level="INFO")
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers.clear()


def test_a_log_line_is_one_json_object_with_the_event_and_context_ids(json_lines):
    log = logging.getLogger("punch.processing")
    with log_context(request_id="r-1", user_id="u-1"), log_context(analysis_id="a-1"):
        log.info("processing.stage", extra={"stage": "pose", "attempt": 2})
    log.info("processing.completed")
    first, second = json_lines()
    assert first["event"] == "processing.stage"
    assert (first["request_id"], first["user_id"], first["analysis_id"]) == ("r-1", "u-1", "a-1")
    assert (first["stage"], first["attempt"]) == ("pose", 2)
    assert (first["level"], first["logger"]) == ("INFO", "punch.processing")
    assert "time" in first
    assert second["analysis_id"] is None  # the context ended with the block


def test_context_ids_reach_threads_started_with_to_thread(json_lines):
    async def scenario():
        with log_context(analysis_id="a-7"):
            await asyncio.to_thread(logging.getLogger("punch.llm").info, "llm.request")

    asyncio.run(scenario())
    assert json_lines()[0]["analysis_id"] == "a-7"


def test_an_explicit_field_wins_over_the_context():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "msg", None, None)
    record.analysis_id = "explicit"
    with log_context(analysis_id="ctx"):
        ContextFilter().filter(record)
    assert record.__dict__["analysis_id"] == "explicit"
    assert record.__dict__["event"] == "msg"


def test_prometheus_metrics_export_the_declared_names_and_refuse_typos():
    metrics = PrometheusMetrics()
    metrics.increment("processing_jobs_total", stage="pose", outcome="ok")
    metrics.observe("processing_duration_seconds", 42.0, stage="pose")
    metrics.set_gauge("processing_queue_size", 3)
    metrics.increment("stamps_detected_total", 2, kind="jab")
    metrics.increment("llm_tokens_used", 120, kind="prompt")
    text = metrics.exposition().decode()
    assert 'processing_jobs_total{outcome="ok",stage="pose"} 1.0' in text
    assert 'processing_duration_seconds_bucket{le="60.0",stage="pose"} 1.0' in text
    assert "processing_queue_size 3.0" in text
    assert 'stamps_detected_total{kind="jab"} 2.0' in text
    assert 'llm_tokens_used_total{kind="prompt"} 120.0' in text
    with pytest.raises(KeyError):
        metrics.increment("processing_job_total", stage="pose", outcome="ok")
    with pytest.raises(ValueError, match="label"):
        metrics.increment("processing_jobs_total", stage="pose")
