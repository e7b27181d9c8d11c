"""Prometheus metrics behind the ``Metrics`` port: every metric the service exports is declared here, once.

Each process keeps its own registry and exposes it (the API at ``/metrics``, a worker on its own port). The
names and labels are the contract with the alert rules and dashboards (docs/observability.md); an undeclared
name or a wrong label set raises, so a typo fails a test instead of silently exporting nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

from punch_core.ports.metrics import Metrics

# Processing runs seconds to minutes; HTTP requests milliseconds.
_STAGE_BUCKETS = (0.5, 1, 2.5, 5, 10, 20, 30, 60, 90, 120, 180, 240, 300, 360, 600)
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10)
# A whole analysis (start to report) takes minutes; the alert's 6-minute line (360 s) is a bucket edge, so the
# p95 estimate is exact there rather than interpolated across a wide bucket.
_ANALYSIS_BUCKETS = (30, 60, 90, 120, 150, 180, 240, 300, 330, 360, 420, 480, 600, 900, 1200, 1800, 3600)


class PrometheusMetrics(Metrics):
    """The service's metrics in one registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self._counters: dict[str, Counter] = {
            "processing_jobs_total": Counter(
                "processing_jobs_total",
                "Processing stage jobs run, by stage and outcome",
                ["stage", "outcome"],
                registry=r,
            ),
            "stamps_detected_total": Counter(
                "stamps_detected_total", "Stamps found in completed analyses, by kind", ["kind"], registry=r
            ),
            "llm_tokens_used": Counter("llm_tokens_used", "LLM tokens used, by kind", ["kind"], registry=r),
            "llm_requests_total": Counter(
                "llm_requests_total", "LLM coaching attempts, by outcome", ["outcome"], registry=r
            ),
            "llm_fallbacks_total": Counter(
                "llm_fallbacks_total", "Coachings written by the offline coach after the LLM failed", registry=r
            ),
            "llm_coachings_total": Counter(
                "llm_coachings_total",
                "Coachings asked of the LLM coach (each ends as LLM coaching or as a fallback)",
                registry=r,
            ),
            "uploads_total": Counter(
                "uploads_total",
                "Upload completions, by outcome (completed, rejected: the file was refused, failed: our side)",
                ["outcome"],
                registry=r,
            ),
            "http_requests_total": Counter(
                "http_requests_total",
                "HTTP requests, by method, route and status",
                ["method", "route", "status"],
                registry=r,
            ),
        }
        self._histograms: dict[str, Histogram] = {
            "processing_duration_seconds": Histogram(
                "processing_duration_seconds",
                "Time to run a processing stage",
                ["stage"],
                buckets=_STAGE_BUCKETS,
                registry=r,
            ),
            "analysis_processing_seconds": Histogram(
                "analysis_processing_seconds",
                "Time from starting an analysis to its stored report (queue waits and retries included)",
                buckets=_ANALYSIS_BUCKETS,
                registry=r,
            ),
            "llm_request_duration_seconds": Histogram(
                "llm_request_duration_seconds",
                "Time of one LLM attempt",
                buckets=(*_HTTP_BUCKETS, 20, 30, 60),
                registry=r,
            ),
            "http_request_duration_seconds": Histogram(
                "http_request_duration_seconds",
                "HTTP request latency",
                ["method", "route"],
                buckets=_HTTP_BUCKETS,
                registry=r,
            ),
        }
        self._gauges: dict[str, Gauge] = {
            "processing_queue_size": Gauge("processing_queue_size", "Jobs waiting or running", registry=r),
            "db_pool_connections_in_use": Gauge(
                "db_pool_connections_in_use", "Database connections checked out of this process's pool", registry=r
            ),
            "db_pool_connections_capacity": Gauge(
                "db_pool_connections_capacity",
                "Connections this process's pool can hand out at once (pool size + overflow)",
                registry=r,
            ),
        }

    def increment(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a declared counter. Raises ``KeyError`` for an undeclared name, ``ValueError`` for bad labels."""
        counter = self._counters[name]
        (counter.labels(**labels) if labels else counter).inc(amount)

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record an observation of a declared histogram."""
        histogram = self._histograms[name]
        (histogram.labels(**labels) if labels else histogram).observe(value)

    def set_gauge(self, name: str, value: float, **labels: str) -> None:
        """Set a declared gauge."""
        gauge = self._gauges[name]
        (gauge.labels(**labels) if labels else gauge).set(value)

    def set_gauge_function(self, name: str, read: Callable[[], float]) -> None:
        """Make a declared, unlabelled gauge read ``read()`` at every scrape (a value another object keeps)."""
        self._gauges[name].set_function(read)

    def exposition(self) -> bytes:
        """The registry in Prometheus's text format (what ``/metrics`` serves)."""
        return generate_latest(self.registry)

    def serve(self, port: int, *, host: str = "127.0.0.1") -> None:
        """Serve ``/metrics`` on ``host:port`` from a background thread (for worker processes)."""
        start_http_server(port, addr=host, registry=self.registry)
