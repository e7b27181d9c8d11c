"""Writing coaching for a round: the ``Coach`` port and its input, ``CoachingRequest``.

Both are defined beside the coaching they describe (:mod:`punch_core.coaching.port`), so the engine's coaching
package needs nothing from here; this module lists them with the other ports.
"""

from punch_core.coaching.port import Coach, CoachingRequest

__all__ = ["Coach", "CoachingRequest"]
