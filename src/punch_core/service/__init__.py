"""The service side of the core: accounts and sign-in, uploads, the analysis records and the processing stages.

It drives the engine (the rest of :mod:`punch_core`) through the ports; the engine never imports it (an import
contract in ``.importlinter`` holds that).
"""
