import { useCallback, useEffect, useRef, useState } from "react";
import { Button, Typography } from "@mui/material";
import { api, unwrap } from "../api/client";
import type { OverlayDoc } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatBytes } from "../lib/format";
import { localizeServerText } from "../lib/serverText";

const POLL_MS = 1500;

const load = (analysisId: string) =>
  unwrap<OverlayDoc>(api.GET("/api/v1/reports/{analysis_id}/overlay", { params: { path: { analysis_id: analysisId } } }));

interface Props {
  analysisId: string;
  /** Changes when the stamps are corrected, so a drawn video is looked at again (it may be outdated). */
  version?: string;
}

/**
 * The report's video with the skeleton and stamps drawn, to download: asked for once, drawn on a worker (the
 * button shows how far), then a download link. After the stamps are corrected it offers to draw it again.
 */
export function OverlayDownload({ analysisId, version }: Props) {
  const { t, lang } = useI18n();
  const path = { analysis_id: analysisId };
  const [state, setState] = useState<OverlayDoc | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = useRef(true);

  const follow = useCallback(
    (doc: OverlayDoc) => {
      if (!live.current) return;
      setState(doc);
      if (doc.status !== "queued" && doc.status !== "rendering") return;
      const poll = (delay: number) => {
        timer.current = setTimeout(() => {
          load(analysisId)
            .then(follow)
            // A failed poll (the network, a restart) is asked again, more slowly: the drawing goes on meanwhile.
            .catch(() => {
              if (live.current) poll(Math.min(delay * 2, 15000));
            });
        }, delay);
      };
      poll(POLL_MS);
    },
    [analysisId],
  );

  useEffect(() => {
    live.current = true;
    load(analysisId)
      .then(follow)
      .catch(() => undefined); // the button still offers to make it; a real problem shows when it is pressed
    return () => {
      live.current = false;
      clearTimeout(timer.current);
    };
  }, [analysisId, version, follow]);

  const make = async () => {
    setError(null);
    clearTimeout(timer.current);
    try {
      follow(await unwrap<OverlayDoc>(api.POST("/api/v1/reports/{analysis_id}/overlay", { params: { path } })));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const status = state?.status ?? "none";
  const failure = error ?? (status === "failed" ? (state?.error ?? "") : null);
  if (status === "ready" && state?.url && !state.outdated) {
    return (
      <Button variant="outlined" component="a" href={state.url} download>
        {t("overlay.download", { size: formatBytes(state.size_bytes ?? 0) })}
      </Button>
    );
  }
  const busy = status === "queued" || status === "rendering";
  const label = busy
    ? status === "queued"
      ? t("overlay.queued")
      : t("overlay.drawing", { percent: `${Math.round(state?.percent ?? 0)}%` })
    : state?.outdated
      ? t("overlay.outdated")
      : failure !== null
        ? t("overlay.retry")
        : t("overlay.make");
  return (
    <>
      <Button variant="outlined" disabled={busy} onClick={() => void make()} aria-busy={busy}>
        {label}
      </Button>
      {failure !== null && (
        <Typography role="alert" color="error" variant="body2" sx={{ alignSelf: "center" }}>
          {t("overlay.failed", { reason: localizeServerText(failure, lang) })}
        </Typography>
      )}
    </>
  );
}
