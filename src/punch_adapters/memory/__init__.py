"""In-memory twins of the outside stores: repositories and metrics.

The tests use them as fakes (the repository contract suite runs them beside SQLite and PostgreSQL), and
``punch analyze`` runs its one analysis on them. The in-process parts the embedded default runs in production
(job queue, progress, clock, ids) are in :mod:`punch_adapters.inprocess`.
"""
