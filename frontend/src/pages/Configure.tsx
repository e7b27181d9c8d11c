import { useState } from "react";
import { Link as RouterLink, useNavigate, useParams } from "react-router-dom";
import useSWR from "swr";
import { Alert, Button, Card, CardContent, CircularProgress, Stack, Typography } from "@mui/material";
import { api, unwrap } from "../api/client";
import { ApiError } from "../api/errors";
import type { StatusDoc, ThumbnailsDoc } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "../components/ErrorAlert";
import { PersonPicker, type SubjectPick } from "../components/PersonPicker";
import { SpecsForm, specsBody, type SpecsValues } from "../components/SpecsForm";
import { usePollWhileConflict } from "../lib/usePoll";
import { formatTime } from "../lib/format";
import { useTitle } from "../lib/useTitle";

const SPECS_KEY = "punch.specs";

function savedSpecs(): SpecsValues | undefined {
  try {
    const raw = localStorage.getItem(SPECS_KEY);
    return raw ? (JSON.parse(raw) as SpecsValues) : undefined;
  } catch {
    return undefined;
  }
}

export function ConfigurePage() {
  const { analysisId = "" } = useParams();
  const { t, lang } = useI18n();
  useTitle(t("configure.title"));
  const navigate = useNavigate();
  const path = { analysis_id: analysisId };
  const status = useSWR(["status", analysisId], () =>
    unwrap<StatusDoc>(api.GET("/api/v1/analyses/{analysis_id}", { params: { path } })),
  );
  const thumbs = usePollWhileConflict(analysisId, () =>
    unwrap<ThumbnailsDoc>(api.GET("/api/v1/analyses/{analysis_id}/thumbnails", { params: { path } })),
  );
  const [pick, setPick] = useState<SubjectPick | null>(null);
  const [pickError, setPickError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const choose = async (next: SubjectPick) => {
    const previous = pick;
    setPick(next);
    setPickError(null);
    try {
      await unwrap(api.PUT("/api/v1/analyses/{analysis_id}/subject", { params: { path }, body: { ...next } }));
    } catch (e) {
      setPick(previous);
      setPickError(e);
    }
  };

  const start = async (values: SpecsValues) => {
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      localStorage.setItem(SPECS_KEY, JSON.stringify(values));
    } catch {
      /* not essential */
    }
    try {
      await unwrap(api.PUT("/api/v1/analyses/{analysis_id}/specs", { params: { path }, body: specsBody(values, lang) }));
      await unwrap(api.POST("/api/v1/analyses/{analysis_id}/start", { params: { path } }));
      navigate(`/processing/${analysisId}`);
    } catch (e) {
      if (e instanceof ApiError && e.fields) setFieldErrors(e.fields);
      setError(e);
      setBusy(false);
    }
  };

  if (status.error) return <ErrorAlert error={status.error} onRetry={() => void status.mutate()} />;
  const started = status.data && status.data.status !== "created";
  const thumbList = thumbs.data?.thumbnails ?? [];
  const chosen = pick ? thumbList[pick.thumbnail] : undefined;
  // An empty room, or the boxer never in frame: nothing to analyse, so starting is not offered.
  const nobody = thumbList.length > 0 && thumbList.every((th) => th.boxes.length === 0);

  return (
    <Stack spacing={3}>
      <Typography variant="h1">{t("configure.title")}</Typography>
      {started && (
        <Alert
          severity="info"
          action={
            <Button component={RouterLink} to={`/processing/${analysisId}`} color="inherit">
              {t("configure.goProcessing")}
            </Button>
          }
        >
          {t("configure.already")}
        </Alert>
      )}
      <Card component="section" aria-labelledby="pick-title">
        <CardContent>
          <Typography id="pick-title" variant="h2" gutterBottom>
            {t("configure.pick")}
          </Typography>
          <Typography sx={{ mb: 2, color: "text.secondary" }}>{t("configure.pickHelp")}</Typography>
          {thumbs.waiting && (
            <Stack direction="row" spacing={2} sx={{ alignItems: "center" }} role="status" aria-live="polite">
              <CircularProgress size={24} aria-hidden />
              <Typography>{t("configure.waitingThumbs")}</Typography>
            </Stack>
          )}
          <ErrorAlert error={thumbs.error} onRetry={thumbs.retry} />
          {thumbList.length > 0 && <PersonPicker thumbnails={thumbList} value={pick} onChange={choose} />}
          <ErrorAlert error={pickError} />
          {nobody && (
            <Alert
              severity="error"
              sx={{ mt: 2 }}
              action={
                <Button component={RouterLink} to="/upload" color="inherit" sx={{ whiteSpace: "nowrap" }}>
                  {t("processing.tryAgain")}
                </Button>
              }
            >
              {t("configure.nobody")}
            </Alert>
          )}
          {thumbList.length > 0 && (
            <Typography role="status" aria-live="polite" sx={{ mt: 1, fontWeight: 600 }}>
              {pick && chosen
                ? t("configure.subjectChosen", { n: pick.box + 1, time: formatTime(chosen.t_s, 0) })
                : t("configure.noSubject")}
            </Typography>
          )}
        </CardContent>
      </Card>
      <Card component="section" aria-labelledby="specs-title">
        <CardContent>
          <Typography id="specs-title" variant="h2" gutterBottom>
            {t("configure.specs")}
          </Typography>
          <SpecsForm initial={savedSpecs()} serverErrors={fieldErrors} onSubmit={start}>
            <Typography variant="body2" sx={{ color: "text.secondary" }}>
              {t("specs.coachingLang", { lang: t(lang === "ko" ? "langName.ko" : "langName.en") })}
            </Typography>
            <ErrorAlert error={error} />
            <div>
              <Button
                type="submit"
                variant="contained"
                size="large"
                disabled={busy || Boolean(started) || !thumbs.data || nobody}
              >
                {t("configure.start")}
              </Button>
            </div>
          </SpecsForm>
        </CardContent>
      </Card>
    </Stack>
  );
}
