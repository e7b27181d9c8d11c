import { useMemo, useRef, useState, type DragEvent } from "react";
import { useNavigate } from "react-router-dom";
import { Alert, Box, Button, Card, CardContent, LinearProgress, Stack, Typography } from "@mui/material";
import { apiFetch } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "../components/ErrorAlert";
import { UploadIcon } from "../components/icons";
import { fingerprint, uploadResumable, UploadStore, xhrSendChunk, type FileLike } from "../upload/resumable";
import { formatBytes, formatTime } from "../lib/format";
import { precheck } from "../upload/precheck";
import { useTitle } from "../lib/useTitle";

const VIDEO_TYPES = ["video/mp4", "video/quicktime", "video/webm"];
const MAX_BYTES = 500 * 1024 * 1024;

type Phase = "idle" | "uploading" | "paused" | "checking";

export function UploadPage() {
  const { t } = useI18n();
  useTitle(t("upload.title"));
  const navigate = useNavigate();
  const store = useMemo(() => new UploadStore(), []);
  const input = useRef<HTMLInputElement>(null);
  const abort = useRef<AbortController | null>(null);
  const [file, setFile] = useState<FileLike | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [sent, setSent] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const pending = phase === "idle" && !file ? store.list()[0] : undefined;

  const total = file?.size ?? 0;
  const percent = total ? Math.floor((sent / total) * 100) : 0;

  const choose = (chosen: File | undefined) => {
    setError(null);
    setNotice(null);
    if (!chosen) return;
    const byExtension = /\.(mp4|m4v|mov|webm)$/i.test(chosen.name);
    if (!VIDEO_TYPES.includes(chosen.type) && !byExtension) {
      setNotice(t("upload.notVideo"));
      return;
    }
    if (chosen.size > MAX_BYTES) {
      setNotice(t("upload.tooBig"));
      return;
    }
    void checkThenStart(chosen);
  };

  // What the file is and how long it runs, checked here before a byte is sent (the server checks them again).
  const checkThenStart = async (chosen: File) => {
    const verdict = await precheck(chosen);
    if (!verdict.ok) {
      if (verdict.reason === "not_video") setNotice(verdict.what ? t("upload.isOther", { what: verdict.what }) : t("upload.notVideo"));
      else setNotice(t(verdict.reason === "too_short" ? "upload.tooShort" : "upload.tooLong", { duration: formatTime(verdict.durationS, 0) }));
      return;
    }
    setFile(chosen);
    const stored = store.get(fingerprint(chosen));
    setSent(stored?.receivedOffset ?? 0);
    void start(chosen);
  };

  const start = async (target: FileLike) => {
    const controller = new AbortController();
    abort.current = controller;
    setPhase("uploading");
    setError(null);
    try {
      const done = await uploadResumable(target, {
        fetch: apiFetch,
        sendChunk: xhrSendChunk,
        store,
        signal: controller.signal,
        onResume: (offset) =>
          offset > 0 && setNotice(t("upload.resuming", { percent: Math.floor((offset / target.size) * 100) })),
        onProgress: (bytes, size) => {
          setSent(bytes);
          if (bytes >= size) setPhase("checking");
        },
      });
      navigate(`/configure/${done.analysis_id}`);
    } catch (e) {
      if (e instanceof Error && e.name === "AbortError") {
        setPhase("paused");
        return;
      }
      setError(e);
      setPhase("paused");
    }
  };

  const pause = () => abort.current?.abort();
  const discard = () => {
    abort.current?.abort();
    if (file) store.remove(fingerprint(file));
    setFile(null);
    setSent(0);
    setPhase("idle");
    setNotice(null);
    setError(null);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (phase === "uploading" || phase === "checking") return;
    choose(event.dataTransfer.files?.[0]);
  };

  return (
    <Stack spacing={3} sx={{ maxWidth: 720, mx: "auto" }}>
      <div>
        <Typography variant="h1">{t("upload.title")}</Typography>
        <Typography sx={{ mt: 1, color: "text.secondary" }}>{t("upload.lead")}</Typography>
      </div>
      {pending && (
        <Alert severity="info">
          {t("upload.pending", { name: pending.name, percent: Math.floor((pending.receivedOffset / pending.size) * 100) })}
        </Alert>
      )}
      {notice && <Alert severity={phase === "idle" ? "warning" : "info"}>{notice}</Alert>}
      {(phase === "idle" || !file) && (
        <Box
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="dropzone"
          sx={{
            border: "2px dashed",
            borderColor: dragging ? "primary.main" : "divider",
            bgcolor: dragging ? "action.hover" : "background.paper",
            borderRadius: 6,
            p: { xs: 4, sm: 8 },
            textAlign: "center",
          }}
        >
          <UploadIcon sx={{ fontSize: 48, color: "primary.main" }} />
          <Typography sx={{ mt: 1, fontWeight: 600 }}>{t("upload.drop")}</Typography>
          <Typography sx={{ my: 1, color: "text.secondary" }}>{t("upload.or")}</Typography>
          <Button variant="contained" onClick={() => input.current?.click()}>
            {t("upload.choose")}
          </Button>
          <input
            ref={input}
            type="file"
            accept="video/mp4,video/quicktime,video/webm,.mp4,.mov,.webm"
            aria-label={t("upload.choose")}
            hidden
            onChange={(e) => {
              choose(e.target.files?.[0]);
              e.target.value = "";
            }}
          />
        </Box>
      )}
      {file && phase !== "idle" && (
        <Card>
          <CardContent>
            <Typography sx={{ fontWeight: 600, wordBreak: "break-all" }}>
              {t("upload.selected", { name: file.name, size: formatBytes(file.size) })}
            </Typography>
            <LinearProgress
              variant={phase === "checking" ? "indeterminate" : "determinate"}
              value={percent}
              sx={{ my: 2 }}
              aria-label={t("upload.title")}
            />
            <Typography role="status" aria-live="polite">
              {phase === "checking"
                ? t("upload.checking")
                : phase === "paused"
                  ? t("upload.paused", { percent })
                  : t("upload.progress", { done: formatBytes(sent), total: formatBytes(total), percent })}
            </Typography>
            <ErrorAlert error={error} />
            <Stack direction="row" spacing={1} sx={{ mt: 2 }}>
              {phase === "uploading" && (
                <Button variant="outlined" onClick={pause}>
                  {t("upload.pause")}
                </Button>
              )}
              {phase === "paused" && (
                <Button variant="contained" onClick={() => void start(file)}>
                  {t("upload.resume")}
                </Button>
              )}
              {phase !== "checking" && (
                <Button color="inherit" onClick={discard}>
                  {t("upload.cancel")}
                </Button>
              )}
            </Stack>
          </CardContent>
        </Card>
      )}
    </Stack>
  );
}
