import { useEffect, useState } from "react";
import { ApiError } from "../api/errors";

/**
 * Loads `load()` and, while it fails with a "not ready yet" 409, tries again every `intervalMs`.
 * Other errors stop the loop and are returned.
 */
export function usePollWhileConflict<T>(key: string | null, load: () => Promise<T>, intervalMs = 1500) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [waiting, setWaiting] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const value = await load();
        if (cancelled) return;
        setData(value);
        setWaiting(false);
        setError(null);
      } catch (e) {
        if (cancelled) return;
        if (e instanceof ApiError && e.status === 409 && !/could not be analysed/.test(e.message)) {
          setWaiting(true);
          timer = setTimeout(tick, intervalMs);
        } else {
          setWaiting(false);
          setError(e);
        }
      }
    };
    void tick();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);
  return { data, error, waiting, retry: () => setAttempt((a) => a + 1) };
}
