"""Malware scanning of uploads: ClamAV's clamd over its socket (``INSTREAM``), behind the ``MalwareScanner`` port."""

from punch_adapters.scan.clamd import ClamdAddress, ClamdScanner

__all__ = ["ClamdAddress", "ClamdScanner"]
