import { Alert, Box, Button, Link, Stack, Typography } from "@mui/material";
import type { Coaching, CoachingPoint } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatTime } from "../lib/format";

function Point({ point, onSeek }: { point: CoachingPoint; onSeek: (t: number) => void }) {
  const { t } = useI18n();
  return (
    <li>
      <Typography component="span">{point.text}</Typography>
      {point.evidence_t_s.length > 0 && (
        <Box component="span" sx={{ ml: 0.5 }}>
          {point.evidence_t_s.map((time) => (
            <Link
              key={time}
              component="button"
              type="button"
              onClick={() => onSeek(Math.max(0, time - 0.5))}
              aria-label={t("report.seekTo", { time: formatTime(time) })}
              sx={{ mx: 0.5, fontWeight: 600, verticalAlign: "baseline" }}
            >
              {formatTime(time)}
            </Link>
          ))}
        </Box>
      )}
    </li>
  );
}

export function CoachingView({
  coaching,
  onSeek,
  onRewrite,
  outdated = false,
}: {
  coaching: Coaching;
  onSeek: (t: number) => void;
  /** Written before the boxer corrected the stamps. */
  outdated?: boolean;
  /** The owner's view: write the coaching again in the page's language. */
  onRewrite?: (language: "en" | "ko") => void;
}) {
  const { t, lang } = useI18n();
  return (
    <Stack spacing={2} lang={coaching.language}>
      {coaching.language !== lang && (
        <Alert
          severity="info"
          lang={lang}
          action={
            onRewrite && (
              <Button color="inherit" size="small" onClick={() => onRewrite(lang)} sx={{ whiteSpace: "nowrap" }}>
                {t("report.rewriteCoaching", { lang: t(lang === "ko" ? "langName.ko" : "langName.en") })}
              </Button>
            )
          }
        >
          {t("report.coachingLangNote", { lang: t(coaching.language === "ko" ? "langName.ko" : "langName.en") })}
        </Alert>
      )}
      {outdated && (
        <Alert
          severity="warning"
          lang={lang}
          action={
            onRewrite && (
              <Button color="inherit" size="small" onClick={() => onRewrite(lang)}>
                {t("edit.rewrite")}
              </Button>
            )
          }
        >
          {t("edit.outdated")}
        </Alert>
      )}
      {coaching.fallback_reason && (
        <Alert severity="warning" lang={lang}>
          {t("report.fallback", { reason: coaching.fallback_reason })}
        </Alert>
      )}
      <Typography sx={{ fontSize: "1.1rem" }}>{coaching.summary}</Typography>
      <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "1fr 1fr" }, gap: 3 }}>
        <section>
          <Typography variant="h3" component="h3" lang={lang}>
            {t("report.strengths")}
          </Typography>
          <Box component="ul" sx={{ pl: 2.5, "& li": { mb: 1 } }}>
            {coaching.strengths.map((p, i) => (
              <Point key={i} point={p} onSeek={onSeek} />
            ))}
          </Box>
        </section>
        <section>
          <Typography variant="h3" component="h3" lang={lang}>
            {t("report.improvements")}
          </Typography>
          <Box component="ul" sx={{ pl: 2.5, "& li": { mb: 1 } }}>
            {coaching.improvements.map((p, i) => (
              <Point key={i} point={p} onSeek={onSeek} />
            ))}
          </Box>
        </section>
      </Box>
      {coaching.drills.length > 0 && (
        <section>
          <Typography variant="h3" component="h3" lang={lang}>
            {t("report.drills")}
          </Typography>
          <Box component="dl" sx={{ "& dt": { fontWeight: 700, mt: 1 }, "& dd": { ml: 0 } }}>
            {coaching.drills.map((d) => (
              <div key={d.name}>
                <dt>{d.name}</dt>
                <dd>{d.description}</dd>
              </div>
            ))}
          </Box>
        </section>
      )}
      {coaching.next_session_goal && (
        <Alert severity="success" icon={false}>
          <strong lang={lang}>{t("report.goal")}: </strong>
          {coaching.next_session_goal}
        </Alert>
      )}
    </Stack>
  );
}
