"""Metrics: the ``Metrics`` port on prometheus_client."""
