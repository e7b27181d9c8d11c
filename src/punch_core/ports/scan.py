"""Scanning untrusted files for malware."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Protocol

import attrs


class ScanOutcome(enum.Enum):
    """What a malware scan decided about a file."""

    CLEAN = "clean"
    INFECTED = "infected"
    UNSCANNABLE = "unscannable"
    """The scanner could not check this file (over its size limit, data it cannot parse): never accepted."""


@attrs.frozen(kw_only=True)
class ScanVerdict:
    """A malware scanner's answer about one file.

    Attributes:
        outcome: Clean, infected or unscannable.
        detail: The signature found (``Eicar-Test-Signature``) when infected, why when unscannable, else empty.
    """

    outcome: ScanOutcome
    detail: str = ""

    @classmethod
    def clean(cls) -> ScanVerdict:
        """Nothing was found."""
        return cls(outcome=ScanOutcome.CLEAN)

    @classmethod
    def infected(cls, signature: str) -> ScanVerdict:
        """The scanner found ``signature``."""
        return cls(outcome=ScanOutcome.INFECTED, detail=signature)

    @classmethod
    def unscannable(cls, reason: str) -> ScanVerdict:
        """The scanner could not check the file, for ``reason`` (in words)."""
        return cls(outcome=ScanOutcome.UNSCANNABLE, detail=reason)


class MalwareScanner(Protocol):
    """Scans untrusted files for malware before anything decodes them (ClamAV's clamd in production)."""

    def scan(self, chunks: Iterable[bytes]) -> ScanVerdict:
        """The verdict on the file made of ``chunks``, consumed once, in order, with bounded memory.

        An error raised by ``chunks`` itself (the store failing) propagates unchanged.

        Raises:
            ScannerUnavailableError: if the scanner cannot be reached, fails, or does not answer in time: nothing
                was decided about the file, and scanning it again later may succeed.
        """
        ...
