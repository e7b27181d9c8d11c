import { useEffect, useState } from "react";
import { Link as RouterLink, useNavigate, useParams } from "react-router-dom";
import { Alert, Button, Card, CardContent, LinearProgress, Stack, Step, StepLabel, Stepper, Typography } from "@mui/material";
import type { StageName, StatusDoc } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "../components/ErrorAlert";
import { followStatus, type Transport } from "../lib/liveStatus";
import { useTitle } from "../lib/useTitle";

const STAGES: StageName[] = ["thumbnails", "pose", "stamps", "coaching", "report"];

export function ProcessingPage() {
  const { analysisId = "" } = useParams();
  const { t } = useI18n();
  useTitle(t("processing.title"));
  const navigate = useNavigate();
  const [status, setStatus] = useState<StatusDoc | null>(null);
  const [via, setVia] = useState<Transport | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const stop = followStatus(analysisId, {
      onStatus: (next, transport) => {
        setStatus(next);
        setVia(transport);
      },
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
          {via && (
            <Typography variant="body2" sx={{ mt: 1, color: "text.secondary" }}>
              {t("processing.via", { via })}
            </Typography>
          )}
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
      {status?.status === "failed" && (
        <Alert
          severity="error"
          role="alert"
          action={
            <Button component={RouterLink} to="/upload" color="inherit">
              {t("processing.tryAgain")}
            </Button>
          }
        >
          <strong>{t("processing.failed")}</strong>
          {status.error ? `: ${status.error}` : ""}
        </Alert>
      )}
    </Stack>
  );
}
