"""OpenTelemetry spans leave the process over OTLP/HTTP when an endpoint is configured (a collector on loopback)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from litestar.testing import TestClient
from opentelemetry import trace

from punch_app.settings import Settings
from punch_app.web import build_app


class Collector:
    """Accepts OTLP/HTTP trace exports and keeps their bodies."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                collector.bodies.append(self.rfile.read(int(self.headers.get("content-length", 0))))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"


def test_http_request_spans_are_exported_over_otlp(tmp_path):
    collector = Collector()
    settings = Settings.from_env(
        {"PUNCH_DATA_DIR": str(tmp_path / "data"), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector.url}
    )
    try:
        with TestClient(build_app(settings)) as client:
            assert client.get("/api/v1/auth/providers").status_code == 200
        provider = trace.get_tracer_provider()
        assert provider.force_flush(10_000)  # type: ignore[attr-defined]
        # The provider is process-wide: stop exporting so later tests' spans go nowhere.
        provider.shutdown()  # type: ignore[attr-defined]
    finally:
        collector.server.shutdown()
    exported = b"".join(collector.bodies)
    assert b"/api/v1/auth/providers" in exported
    assert b"punchanalytics-api" in exported
