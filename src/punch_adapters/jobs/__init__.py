"""Jobs on Redis: the ARQ job queue and Redis pub/sub progress."""
