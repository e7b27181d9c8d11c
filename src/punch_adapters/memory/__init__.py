"""In-memory adapters: real, shipped implementations of the ports, used by the embedded default and as fakes."""
