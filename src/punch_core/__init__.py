"""punch_core."""
