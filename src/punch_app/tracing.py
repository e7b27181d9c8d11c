"""OpenTelemetry traces, exported over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set.

Without it the OpenTelemetry API stays a no-op: spans cost nothing and go nowhere.
"""

from __future__ import annotations

from typing import Any

from punch_app.settings import Settings


def configure_tracing(settings: Settings, *, service_name: str) -> Any | None:  # noqa: ANN401 - a TracerProvider
    """Install a tracer provider exporting to the configured endpoint; returns it (None when not configured)."""
    if not settings.otlp_endpoint:
        return None
    from opentelemetry import trace  # noqa: PLC0415 - only when tracing is on
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
    trace.set_tracer_provider(provider)
    return provider
