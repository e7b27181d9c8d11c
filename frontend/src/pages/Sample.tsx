import { Link as RouterLink } from "react-router-dom";
import { Alert, Button, Card, CardContent, Stack, Typography } from "@mui/material";
import type { Report } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { useAuth } from "../auth";
import sample from "../sample/report.json";
import { MetricCards } from "../components/MetricCards";
import { StampTimeline } from "../components/StampTimeline";
import { SessionTables } from "../components/SessionTables";
import { ReportCharts } from "../components/Charts";
import { CoachingView } from "../components/CoachingView";
import { Section } from "../components/ReportView";
import { trustedStamps } from "../lib/trusted";
import { useTitle } from "../lib/useTitle";

const report = sample as unknown as Report;

/** What a boxer gets, before signing in: the report of a real 62 s round (src/sample/README.md). */
export default function SamplePage() {
  const { t } = useI18n();
  const { user } = useAuth();
  useTitle(t("sample.title"));
  const stamps = trustedStamps(report.stamps, report.quality.coach_min_confidence ?? 0);
  const ignore = () => undefined;
  return (
    <Stack spacing={3}>
      <div>
        <Typography variant="h1">{t("sample.title")}</Typography>
        <Typography sx={{ color: "text.secondary", mt: 0.5 }}>{t("sample.lead")}</Typography>
      </div>
      <Alert
        severity="info"
        action={
          <Button component={RouterLink} to={user ? "/upload" : "/login?next=%2Fupload"} color="inherit" sx={{ whiteSpace: "nowrap" }}>
            {t("landing.cta")}
          </Button>
        }
      >
        {t("sample.note")}
      </Alert>
      <Section id="metrics-title" title={t("report.metrics")}>
        <MetricCards report={report} />
      </Section>
      <Section id="timeline-title" title={t("report.timeline")}>
        <StampTimeline stamps={stamps} duration={report.video.duration_s} currentTime={0} onSeek={ignore} />
      </Section>
      <Section id="session-title" title={t("report.session")}>
        <SessionTables metrics={report.metrics} />
      </Section>
      <Section id="charts-title" title={t("report.charts")}>
        <ReportCharts report={{ ...report, stamps }} />
      </Section>
      <Card component="section" aria-labelledby="coaching-title">
        <CardContent>
          <Typography id="coaching-title" variant="h2" sx={{ mb: 2 }}>
            {t("report.coaching")}
          </Typography>
          <CoachingView coaching={report.coaching} onSeek={ignore} />
        </CardContent>
      </Card>
    </Stack>
  );
}
