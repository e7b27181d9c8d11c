import useSWR from "swr";
import { useParams } from "react-router-dom";
import { Box, Card, CardContent, CircularProgress, Typography } from "@mui/material";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/errors";
import type { PoseDoc, Report } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "../components/ErrorAlert";
import { ReportView } from "../components/ReportView";
import { useTitle } from "../lib/useTitle";

/** A report opened through a share link: read-only, no sign-in, no share controls. */
export default function SharedPage() {
  const { hash = "" } = useParams();
  const { t } = useI18n();
  const path = { share_hash: hash };
  const report = useSWR(["shared", hash], () =>
    unwrap<Report>(api.GET("/api/v1/shared/{share_hash}", { params: { path } })),
  );
  const pose = useSWR(report.data ? ["shared-pose", hash] : null, () =>
    unwrap<PoseDoc>(api.GET("/api/v1/shared/{share_hash}/pose", { params: { path } })),
  );
  const gone = report.error instanceof ApiError && report.error.status === 404;
  useTitle(gone ? t("shared.unavailable") : t("report.sharedTitle"));
  if (gone) {
    return (
      <Card sx={{ maxWidth: 560, mx: "auto", mt: 4 }}>
        <CardContent>
          <Typography variant="h1" sx={{ fontSize: "1.75rem" }}>
            {t("shared.unavailable")}
          </Typography>
          <Typography sx={{ mt: 1 }}>{t("shared.unavailableText")}</Typography>
        </CardContent>
      </Card>
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
    <ReportView
      title={t("report.sharedTitle")}
      subtitle={<Typography variant="body2" sx={{ color: "text.secondary" }}>{t("shared.readOnly")}</Typography>}
      report={report.data}
      videoUrl={`/api/v1/shared/${encodeURIComponent(hash)}/video`}
      pose={pose.data}
      poseError={pose.error}
    />
  );
}
