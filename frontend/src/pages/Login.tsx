import { useState } from "react";
import useSWR from "swr";
import { Button, Card, CardContent, Stack, Typography, Alert } from "@mui/material";
import { Navigate, useSearchParams, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useI18n } from "../i18n/I18n";
import { useAuth } from "../auth";
import { ErrorAlert } from "../components/ErrorAlert";
import { useTitle } from "../lib/useTitle";

/** Where to go after signing in: a path on this site only. */
export function safeNext(value: string | null): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/dashboard";
  return value;
}

export function Login() {
  const { t } = useI18n();
  useTitle(t("login.title"));
  const { user, loginLocal } = useAuth();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const providers = useSWR("auth/providers", () =>
    unwrap<{ providers: string[] }>(api.GET("/api/v1/auth/providers")),
  );
  if (user) return <Navigate to={next} replace />;
  const names = providers.data?.providers ?? [];
  const local = async () => {
    setBusy(true);
    setError(null);
    try {
      await loginLocal();
      navigate(next, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const oauth = (provider: string) => {
    window.location.assign(`/api/v1/auth/${provider}/login?next=${encodeURIComponent(next)}`);
  };
  return (
    <Stack sx={{ alignItems: "center", py: { xs: 2, sm: 6 } }}>
      <Card sx={{ width: "100%", maxWidth: 440 }}>
        <CardContent sx={{ p: { xs: 3, sm: 4 } }}>
          <Typography variant="h1" sx={{ fontSize: "1.75rem" }}>
            {t("login.title")}
          </Typography>
          <Typography sx={{ mt: 1, mb: 3, color: "text.secondary" }}>{t("login.lead")}</Typography>
          <ErrorAlert error={error ?? providers.error} />
          <Stack spacing={1.5}>
            {names.includes("google") && (
              <Button variant="outlined" size="large" onClick={() => oauth("google")}>
                {t("login.google")}
              </Button>
            )}
            {names.includes("kakao") && (
              <Button
                variant="contained"
                size="large"
                onClick={() => oauth("kakao")}
                sx={{ bgcolor: "#FEE500", color: "rgba(0,0,0,0.85)", "&:hover": { bgcolor: "#f2d900" } }}
              >
                {t("login.kakao")}
              </Button>
            )}
            {names.includes("local") && (
              <>
                <Button variant="contained" size="large" onClick={local} disabled={busy}>
                  {t("login.local")}
                </Button>
                <Typography variant="body2" sx={{ color: "text.secondary" }}>
                  {t("login.localHint")}
                </Typography>
              </>
            )}
            {providers.data && names.length === 0 && <Alert severity="warning">{t("login.none")}</Alert>}
          </Stack>
        </CardContent>
      </Card>
    </Stack>
  );
}
