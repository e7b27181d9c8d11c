"""The in-process parts the embedded default runs in production: job queue, progress, clock and ids.

With no Redis configured, `punch serve` queues stages and publishes progress inside its own process. The
in-memory twins of the outside stores, for tests and ``punch analyze``'s throwaway run, are in
:mod:`punch_adapters.memory`.
"""
