"""Ports: what the core needs from the outside world, as ``typing.Protocol``s, one small module per concern.

- :mod:`~punch_core.ports.video`: reading video files (``FrameSource``, ``VideoInfo``, ``Frame``) and drawing on
  them (``OverlayWriter``).
- :mod:`~punch_core.ports.pose`: finding people and their landmarks (``PoseEstimator``).
- :mod:`~punch_core.ports.coach`: writing coaching (``Coach`` and its input, ``CoachingRequest``).
- :mod:`~punch_core.ports.storage`: blobs by key, by role (``Blobs``, ``PieceJoins``, ``MediaUrls``; ``ObjectStore``).
- :mod:`~punch_core.ports.repositories`: the service's records (users, uploads, videos, analyses, stamps, ...).
- :mod:`~punch_core.ports.jobs`: background stages and their progress (``JobQueue``, ``ProgressSink``).
- :mod:`~punch_core.ports.scan`, :mod:`~punch_core.ports.crypto`, :mod:`~punch_core.ports.identity`,
  :mod:`~punch_core.ports.system`, :mod:`~punch_core.ports.metrics`: malware scanning, field encryption, sign-in,
  clock and ids, service metrics.

Adapters in ``punch_adapters`` inherit these explicitly, so mypy checks that they match. Each docstring is the
contract the adapter's contract tests check.
"""
