import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { Alert, Box, Button, Card, CardContent, FormControlLabel, Stack, Switch, Typography } from "@mui/material";
import type { PoseDoc, Report } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatPercent } from "../lib/format";
import { trustedStamps } from "../lib/trusted";
import { download, reportCsv } from "../lib/reportCsv";
import { SkeletonPlayer } from "./SkeletonPlayer";
import { StampTimeline } from "./StampTimeline";
import { MetricCards } from "./MetricCards";
import { ReportCharts } from "./Charts";
import { CoachingView } from "./CoachingView";
import { SessionTables } from "./SessionTables";
import { StampStepper, currentStampIndex } from "./StampStepper";
import { StampEditor } from "./StampEditor";
import { correctionBody, draftOf, labelsOf, type DraftStamp } from "../lib/corrections";

interface Props {
  title: string;
  subtitle?: ReactNode;
  report: Report;
  videoUrl: string;
  /** Renews access before the video is asked for again after it failed (the owner's session). */
  renewVideoAccess?: () => Promise<unknown>;
  pose?: PoseDoc | null;
  poseError?: unknown;
  /** Share controls and other owner-only parts, shown at the end. */
  footer?: ReactNode;
  actions?: ReactNode;
  /** The owner's view: write the coaching again in another language. */
  onRewriteCoaching?: (language: "en" | "ko") => void;
  /** The owner's view: save corrected stamps (the body of PUT /reports/{id}/stamps). */
  onSaveStamps?: (body: ReturnType<typeof correctionBody>) => Promise<void>;
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id}>
      <CardContent sx={{ p: { xs: 1.5, sm: 2 } }}>
        <Typography id={id} variant="h2" sx={{ mb: 2 }}>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

/** The report, for its owner and for a share link alike: player, timeline, metrics, charts, coaching. */
export function ReportView({
  title,
  subtitle,
  report,
  videoUrl,
  renewVideoAccess,
  pose,
  poseError,
  footer,
  actions,
  onRewriteCoaching,
  onSaveStamps,
}: Props) {
  const { t } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [currentTime, setCurrentTime] = useState(0);
  const [showSkeleton, setShowSkeleton] = useState(true);
  const [showUncertain, setShowUncertain] = useState(false);
  const cut = report.quality.coach_min_confidence ?? 0;
  const trusted = trustedStamps(report.stamps, cut);
  const uncertainCount = report.stamps.length - trusted.length;
  const [draft, setDraft] = useState<DraftStamp[] | null>(null);
  const [saving, setSaving] = useState(false);
  const editing = draft !== null;
  const initialDraft = draftOf(report);
  // While correcting, every stamp is shown (the uncertain ones are what most often needs a look).
  const shownStamps = editing ? draft.map((d) => d.stamp) : showUncertain ? report.stamps : trusted;
  const [videoFailed, setVideoFailed] = useState(false);
  const [rate, setRate] = useState(1);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const update = () => setCurrentTime(video.currentTime);
    video.addEventListener("timeupdate", update);
    video.addEventListener("seeked", update);
    return () => {
      video.removeEventListener("timeupdate", update);
      video.removeEventListener("seeked", update);
    };
  }, []);

  const seek = useCallback((seconds: number) => {
    const video = videoRef.current;
    if (!video) return;
    video.currentTime = seconds;
    setCurrentTime(seconds);
    // Bring the video into view only when it is out of it (on a phone it stays pinned at the top).
    const box = video.getBoundingClientRect?.();
    if (box && (box.bottom < 0 || box.top > window.innerHeight)) video.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
  }, []);

  const save = async () => {
    if (!draft || !onSaveStamps) return;
    setSaving(true);
    try {
      await onSaveStamps(correctionBody(draft));
      setDraft(null);
    } catch {
      /* the page shows why; the draft stays for another try */
    } finally {
      setSaving(false);
    }
  };

  const changeRate = (next: number) => {
    setRate(next);
    if (videoRef.current) videoRef.current.playbackRate = next;
  };

  const stance = report.body.stance === "southpaw" ? t("specs.southpaw") : t("specs.orthodox");
  const experience = t(
    report.body.experience === "beginner" ? "specs.beginner" : report.body.experience === "advanced" ? "specs.advanced" : "specs.intermediate",
  );

  return (
    <Stack spacing={3}>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ justifyContent: "space-between", alignItems: { sm: "flex-end" } }}>
        <div>
          <Typography variant="h1">{title}</Typography>
          <Typography sx={{ color: "text.secondary", mt: 0.5 }}>
            {t("report.body", { height: report.body.height_cm, stance: stance.split(" (")[0], experience })}
          </Typography>
          {subtitle}
        </div>
        <Stack direction="row" spacing={1} className="no-print" sx={{ flexWrap: "wrap", gap: 1 }}>
          <Button
            variant="outlined"
            onClick={() => download(`punch-report-${report.video.duration_s.toFixed(0)}s.csv`, reportCsv(report, cut))}
          >
            {t("report.csv")}
          </Button>
          <Button variant="outlined" onClick={() => window.print()}>
            {t("report.print")}
          </Button>
          {actions}
        </Stack>
      </Stack>
      {report.quality.warnings.length > 0 && (
        <Alert severity="warning">
          <strong>{t("report.warnings")}: </strong>
          {report.quality.warnings.join(" ")}
        </Alert>
      )}
      <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "minmax(0, 5fr) minmax(0, 7fr)" }, gap: 3, alignItems: "start" }}>
        <Card
          component="section"
          aria-label={t("report.video")}
          // On a phone the video stays in view while the boxer goes through the stamps below it.
          sx={{ position: { xs: "sticky", md: "static" }, top: { xs: 56, sm: 64 }, zIndex: 2 }}
        >
          <CardContent sx={{ p: { xs: 1, sm: 2 } }}>
            <SkeletonPlayer
              src={videoUrl}
              pose={pose}
              showSkeleton={showSkeleton}
              videoRef={videoRef}
              label={t("report.video")}
              onError={() => setVideoFailed(true)}
              renewAccess={renewVideoAccess}
            />
            <StampStepper stamps={shownStamps} currentTime={currentTime} onSeek={seek} rate={rate} onRate={changeRate} />
            <FormControlLabel
              sx={{ mt: 1 }}
              control={<Switch checked={showSkeleton} onChange={(e) => setShowSkeleton(e.target.checked)} />}
              label={t("report.skeleton")}
            />
            {videoFailed && <Alert severity="error">{t("report.noVideo")}</Alert>}
            {Boolean(poseError) && <Alert severity="info">{t("report.noPose")}</Alert>}
          </CardContent>
        </Card>
        <Section id="metrics-title" title={t("report.metrics")}>
          <MetricCards report={report} />
        </Section>
      </Box>
      <Section id="timeline-title" title={t("report.timeline")}>
        {report.corrections && !editing && (
          <Alert severity="info" sx={{ mb: 2 }}>
            {t("edit.summary", {
              deleted: report.corrections.deleted ?? 0,
              changed: report.corrections.changed ?? 0,
              added: report.corrections.added ?? 0,
            })}
          </Alert>
        )}
        {onSaveStamps && !editing && (
          <Stack direction="row" spacing={1} className="no-print" sx={{ mb: 2, flexWrap: "wrap", gap: 1 }}>
            <Button variant="outlined" sx={{ minHeight: 44 }} onClick={() => setDraft(initialDraft)}>
              {t("edit.start")}
            </Button>
            <Button
              sx={{ minHeight: 44 }}
              onClick={() =>
                download(
                  `${String(report.video.source ?? "round").replace(/\.[^.]+$/, "")}.labels.json`,
                  labelsOf(report, String(report.video.source ?? "round.mp4")),
                  "application/json",
                )
              }
            >
              {t("edit.labels")}
            </Button>
          </Stack>
        )}
        {editing && (
          <StampEditor
            draft={draft}
            initial={initialDraft}
            onChange={setDraft}
            selected={currentStampIndex(shownStamps, currentTime)}
            currentTime={currentTime}
            onSave={() => void save()}
            onCancel={() => setDraft(null)}
            busy={saving}
          />
        )}
        <StampTimeline stamps={shownStamps} duration={report.video.duration_s} currentTime={currentTime} onSeek={seek} />
        {uncertainCount > 0 && (
          <>
            <FormControlLabel
              sx={{ mt: 1 }}
              control={<Switch checked={showUncertain} onChange={(e) => setShowUncertain(e.target.checked)} />}
              label={t("report.uncertain", { count: String(uncertainCount) })}
            />
            <Typography variant="body2" sx={{ color: "text.secondary" }}>
              {t("report.uncertainHelp", { percent: formatPercent(cut) })}
            </Typography>
          </>
        )}
      </Section>
      <Section id="session-title" title={t("report.session")}>
        <SessionTables metrics={report.metrics} onSeek={seek} />
      </Section>
      <Section id="charts-title" title={t("report.charts")}>
        <ReportCharts report={{ ...report, stamps: shownStamps }} onSeek={seek} />
      </Section>
      <Section id="coaching-title" title={t("report.coaching")}>
        <CoachingView
          coaching={report.coaching}
          onSeek={seek}
          onRewrite={onRewriteCoaching}
          outdated={Boolean(report.corrections?.coaching_outdated)}
        />
      </Section>
      {footer}
    </Stack>
  );
}

export { Section };
