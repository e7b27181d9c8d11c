"""punch_adapters."""
