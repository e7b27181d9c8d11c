"""The shipped Prometheus alert rules: valid, unit-tested with ``promtool``, and built on metrics we really export.

``promtool`` comes from Debian's ``prometheus`` package (``make promtool``). Without it these tests skip with the
reason, except with ``CI=true``, where they fail (CI must never go green by skipping what it is there to check).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (via litestar) ships no stubs

from punch_adapters.metrics.prometheus import PrometheusMetrics
from tests.support.services import in_ci

RULES_DIR = Path(__file__).resolve().parents[2] / "ops" / "prometheus"
RULES = RULES_DIR / "alerts.yml"
RULE_TESTS = RULES_DIR / "alerts_test.yml"

# The system design's alert table: each alert, and the thresholds and durations it must keep.
ALERT_TABLE = {
    "HttpErrorRateHigh": ("0.01", "5m"),
    "ProcessingQueueBacklog": ("50", "10m"),
    "LlmRetryExhaustionHigh": ("0.05", None),
    "UploadFailureRateHigh": ("0.05", None),
    "DatabasePoolNearlyExhausted": ("0.8", None),
    "AnalysisProcessingSlow": ("360", None),
}

_LABEL_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"\b([A-Za-z_:][A-Za-z0-9_:]*)\b(\s*\()?")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"}


def promtool() -> str:
    """The ``promtool`` binary; skips (fails under CI) when it is not installed."""
    found = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").is_file() else None)
    if found:
        return found
    reason = "promtool is not installed (run `make promtool`: Debian's prometheus package)"
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own binary and files, no shell
        [promtool(), *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=120, check=False
    )


def alert_rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"] if "alert" in rule]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, keywords and label names left out)."""
    bare = _GROUPING.sub(" ", _RANGES.sub(" ", _LABEL_MATCHERS.sub(" ", _STRINGS.sub('""', expr))))
    return {
        name
        for name, call in _IDENTIFIER.findall(bare)
        if not call and name not in _KEYWORDS and not re.fullmatch(r"\d.*|[eE]\d*|[0-9.]+[smhdwy]", name)
    }


def exported_names(metrics: PrometheusMetrics) -> set[str]:
    """Every series name the registry exposes, with the suffixes Prometheus's text format adds per type."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    return {family.name + suffix for family in metrics.registry.collect() for suffix in suffixes[family.type]}


def test_promtool_accepts_the_rules():
    result = run_promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_rules_pass_their_promtool_unit_tests():
    result = run_promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_rules_are_the_alert_table_with_severities_and_runbooks():
    rules = {rule["alert"]: rule for rule in alert_rules()}
    assert set(rules) == set(ALERT_TABLE)
    for name, (threshold, duration) in ALERT_TABLE.items():
        rule = rules[name]
        assert re.search(rf">\s*{re.escape(threshold)}\s*$", rule["expr"].strip()), (name, rule["expr"])
        if duration:
            assert rule["for"] == duration, name
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert {"summary", "description", "runbook"} <= set(rule["annotations"]), name
        assert rule["annotations"]["runbook"] == f"docs/observability.md#{name.lower()}", name


def test_every_alert_has_a_unit_test_that_fires_and_one_that_stays_quiet():
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in tests:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert firing == set(ALERT_TABLE)
    assert quiet == set(ALERT_TABLE)


def test_the_runbook_anchors_exist_in_the_observability_doc():
    doc = (RULES_DIR.parents[1] / "docs" / "observability.md").read_text(encoding="utf-8")
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in doc.splitlines()
        if line.startswith("#")
    }
    for rule in alert_rules():
        assert rule["annotations"]["runbook"].split("#")[1] in headings, rule["alert"]


def test_the_expression_parser_finds_metric_names_only():
    expr = (
        'histogram_quantile(0.95, sum by (le) (rate(a_seconds_bucket{x="y z"}[30m]))) > 360 '
        "and max by (job, instance) (b_in_use / b_capacity) > 0.8 unless on (job) c offset 5m"
    )
    assert metric_names(expr) == {"a_seconds_bucket", "b_in_use", "b_capacity", "c"}


def test_every_metric_in_the_rules_is_one_the_service_exports():
    exported = exported_names(PrometheusMetrics())
    used = {rule["alert"]: metric_names(rule["expr"]) for rule in alert_rules()}
    assert all(used.values()), used
    missing = {alert: sorted(names - exported) for alert, names in used.items() if names - exported}
    assert not missing, f"alert rules use metrics the service does not export: {missing}"


def test_the_metrics_the_annotations_point_to_are_exported_too():
    metrics = PrometheusMetrics()
    # A histogram is named by its family there (processing_duration_seconds), not by one of its series.
    exported = exported_names(metrics) | {family.name for family in metrics.registry.collect()}
    for rule in alert_rules():
        text = " ".join(rule["annotations"].values())
        named = set(re.findall(r"\b[a-z][a-z_]*_(?:total|seconds|size|in_use|capacity)\b", text))
        assert named <= exported, (rule["alert"], sorted(named - exported))
