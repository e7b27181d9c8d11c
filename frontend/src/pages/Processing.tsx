import { useEffect, useState } from "react";
import { Link as RouterLink, useNavigate, useParams } from "react-router-dom";
import { Alert, Button, Card, CardContent, LinearProgress, Stack, Step, StepLabel, Stepper, Typography } from "@mui/material";
import { api, unwrap } from "../api/client";
import type { StageName, StatusDoc } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "../components/ErrorAlert";
import { followStatus, type Transport } from "../lib/liveStatus";
import { useTitle } from "../lib/useTitle";
import { localizeServerText } from "../lib/serverText";

const STAGES: StageName[] = ["thumbnails", "pose", "stamps", "coaching", "report"];

export function ProcessingPage() {
  const { analysisId = "" } = useParams();
  const { t, lang } = useI18n();
  useTitle(t("processing.title"));
  const navigate = useNavigate();
  const [status, setStatus] = useState<StatusDoc | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  useEffect(() => {
    const stop = followStatus(analysisId, {
      onStatus: (next: StatusDoc, _transport: Transport) => setStatus(next),
      onError: setError,
    });
    return stop;
  }, [analysisId]);

  useEffect(() => {
    if (status?.status !== "completed") return;
    const timer = setTimeout(() => navigate(`/report/${analysisId}`, { replace: true }), 800);
    return () => clearTimeout(timer);
  }, [status?.status, analysisId, navigate]);

  const stageIndex = status?.stage ? STAGES.indexOf(status.stage) : status?.status === "completed" ? STAGES.length : 0;
  const percent = status?.percent ?? 0;
  const stageLabel = status?.stage ? t(`processing.stage.${status.stage}`) : "";
  const failed = status?.status === "failed";
  const path = { analysis_id: analysisId };

  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await unwrap<StatusDoc>(api.POST("/api/v1/analyses/{analysis_id}/retry", { params: { path } }));
      setStatus(next);
      // With its thumbnails kept, the analysis waits for the boxer's choices; otherwise they are made again here.
      if (next.done_stages.includes("thumbnails")) navigate(`/configure/${analysisId}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setConfirmDelete(false);
    setError(null);
    try {
      await unwrap(api.DELETE("/api/v1/reports/{analysis_id}", { params: { path } }));
      navigate("/dashboard", { replace: true });
    } catch (e) {
      setError(e);
    }
  };

  let line = t("common.loading");
  if (status?.status === "queued") line = t("processing.queued");
  if (status?.status === "running") line = t("processing.status", { stage: stageLabel, percent: Math.round(percent) });
  if (status?.status === "completed") line = t("processing.done");
  if (status?.status === "created") line = t("processing.notStarted");

  return (
    <Stack spacing={3} sx={{ maxWidth: 720, mx: "auto" }}>
      <div>
        <Typography variant="h1">{t("processing.title")}</Typography>
        <Typography sx={{ mt: 1, color: "text.secondary" }}>{t("processing.lead")}</Typography>
      </div>
      <ErrorAlert error={error} />
      {!failed && (
        <Card>
          <CardContent>
            <Stepper activeStep={stageIndex} alternativeLabel sx={{ display: { xs: "none", sm: "flex" }, mb: 3 }}>
              {STAGES.map((stage) => (
                <Step key={stage} completed={status?.done_stages.includes(stage) ?? false}>
                  <StepLabel>{t(`processing.stage.${stage}`)}</StepLabel>
                </Step>
              ))}
            </Stepper>
            <LinearProgress
              variant={status?.status === "queued" || !status ? "indeterminate" : "determinate"}
              value={status?.status === "completed" ? 100 : percent}
              aria-label={t("processing.title")}
            />
            <Typography role="status" aria-live="polite" sx={{ mt: 2, fontWeight: 600, fontSize: "1.1rem" }}>
              {line}
            </Typography>
            {status?.status === "created" && (
              <Button component={RouterLink} to={`/configure/${analysisId}`} variant="contained" sx={{ mt: 2 }}>
                {t("processing.configure")}
              </Button>
            )}
            {status?.status === "completed" && (
              <Button component={RouterLink} to={`/report/${analysisId}`} variant="contained" sx={{ mt: 2 }}>
                {t("processing.openReport")}
              </Button>
            )}
          </CardContent>
        </Card>
      )}
      {failed && status && (
        <Card>
          <CardContent>
            <Alert severity="error" role="alert" sx={{ mb: 2 }}>
              <strong>{t("processing.failed")}</strong>
              {status.error ? `: ${localizeServerText(status.error, lang)}` : ""}
            </Alert>
            <Typography sx={{ mb: 2 }}>{t("processing.retryHelp")}</Typography>
            <Stack direction={{ xs: "column", sm: "row" }} spacing={1.5} sx={{ alignItems: { sm: "center" } }}>
              <Button variant="contained" onClick={() => void retry()} disabled={busy} sx={{ whiteSpace: "nowrap" }}>
                {t("processing.retry")}
              </Button>
              <Button component={RouterLink} to="/upload" variant="outlined" sx={{ whiteSpace: "nowrap" }}>
                {t("processing.tryAgain")}
              </Button>
              <Button color="error" onClick={() => setConfirmDelete(true)} sx={{ whiteSpace: "nowrap" }}>
                {t("processing.deleteAnalysis")}
              </Button>
            </Stack>
          </CardContent>
        </Card>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title={t("dashboard.deleteAnalysisTitle")}
        text={t("dashboard.deleteAnalysisText")}
        confirm={t("dashboard.delete")}
        onConfirm={() => void remove()}
        onClose={() => setConfirmDelete(false)}
      />
    </Stack>
  );
}
