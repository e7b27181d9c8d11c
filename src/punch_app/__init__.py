"""punch_app."""
