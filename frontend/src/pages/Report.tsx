import { useState } from "react";
import useSWR from "swr";
import { Link as RouterLink, useNavigate, useParams } from "react-router-dom";
import { Alert, Box, Button, CircularProgress } from "@mui/material";
import { api, refreshSession, unwrap } from "../api/client";
import { ApiError } from "../api/errors";
import type { PoseDoc, Report, StatusDoc } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "../components/ErrorAlert";
import { ReportView, Section } from "../components/ReportView";
import { ShareControls } from "../components/ShareControls";
import { OverlayDownload } from "../components/OverlayDownload";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DeleteIcon } from "../components/icons";
import { useTitle } from "../lib/useTitle";

export default function ReportPage() {
  const { analysisId = "" } = useParams();
  const { t } = useI18n();
  useTitle(t("report.title"));
  const navigate = useNavigate();
  const path = { analysis_id: analysisId };
  const report = useSWR(
    ["report", analysisId],
    () => unwrap<Report>(api.GET("/api/v1/reports/{analysis_id}", { params: { path } })),
    // Always fetched again on arrival: back from rewriting the coaching, the report changed seconds ago.
    { dedupingInterval: 0, revalidateOnMount: true },
  );
  const notReady = report.error instanceof ApiError && report.error.status === 404;
  const status = useSWR(notReady ? ["status", analysisId] : null, () =>
    unwrap<StatusDoc>(api.GET("/api/v1/analyses/{analysis_id}", { params: { path } })),
  );
  const pose = useSWR(report.data ? ["pose", analysisId] : null, () =>
    unwrap<PoseDoc>(api.GET("/api/v1/analyses/{analysis_id}/pose", { params: { path } })),
  );
  const [confirm, setConfirm] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  const remove = async () => {
    setConfirm(false);
    try {
      await unwrap(api.DELETE("/api/v1/reports/{analysis_id}", { params: { path } }));
      navigate("/dashboard", { replace: true });
    } catch (e) {
      setActionError(e);
    }
  };

  const rewriteCoaching = async (language: "en" | "ko") => {
    setActionError(null);
    try {
      await unwrap(api.POST("/api/v1/analyses/{analysis_id}/coaching", { params: { path }, body: { language } }));
      navigate(`/processing/${analysisId}`);
    } catch (e) {
      setActionError(e);
    }
  };

  if (status.data && status.data.status !== "completed") {
    const target = status.data.status === "created" ? `/configure/${analysisId}` : `/processing/${analysisId}`;
    return (
      <Alert
        severity="info"
        action={
          <Button component={RouterLink} to={target} color="inherit">
            {t(status.data.status === "created" ? "processing.configure" : "configure.goProcessing")}
          </Button>
        }
      >
        {status.data.status === "failed" ? `${t("processing.failed")}: ${status.data.error ?? ""}` : t("processing.title")}
      </Alert>
    );
  }
  if (report.error) return <ErrorAlert error={report.error} onRetry={() => void report.mutate()} />;
  if (!report.data) {
    return (
      <Box sx={{ display: "flex", justifyContent: "center", py: 8 }}>
        <CircularProgress aria-label={t("common.loading")} />
      </Box>
    );
  }
  return (
    <>
      <ReportView
        title={t("report.title")}
        report={report.data}
        videoUrl={`/api/v1/analyses/${encodeURIComponent(analysisId)}/video`}
        renewVideoAccess={() => refreshSession()}
        pose={pose.data}
        poseError={pose.error}
        onRewriteCoaching={(language) => void rewriteCoaching(language)}
        actions={
          <OverlayDownload
            analysisId={analysisId}
            version={report.data.stamps.map((s) => `${s.kind}${s.hand}${s.t_peak_s}`).join()}
          />
        }
        onSaveStamps={async (body) => {
          setActionError(null);
          try {
            const updated = await unwrap<Report>(api.PUT("/api/v1/reports/{analysis_id}/stamps", { params: { path }, body }));
            await report.mutate(updated, { revalidate: false });
          } catch (e) {
            setActionError(e);
            throw e;
          }
        }}
        footer={
          <>
            <Section id="share-title" title={t("share.title")}>
              <ShareControls analysisId={analysisId} />
            </Section>
            {/* At the end, not first under the title: on a phone it was the first, full-width button. */}
            <Box className="no-print">
              <Button color="error" variant="outlined" startIcon={<DeleteIcon />} onClick={() => setConfirm(true)}>
                {t("report.delete")}
              </Button>
            </Box>
          </>
        }
      />
      <ErrorAlert error={actionError} />
      <ConfirmDialog
        open={confirm}
        title={t("dashboard.deleteTitle")}
        text={t("dashboard.deleteText")}
        confirm={t("dashboard.delete")}
        onConfirm={() => void remove()}
        onClose={() => setConfirm(false)}
      />
    </>
  );
}
