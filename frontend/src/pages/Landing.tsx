import { Box, Button, Card, CardContent, Stack, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router-dom";
import { useI18n } from "../i18n/I18n";
import { useAuth } from "../auth";
import { useTitle } from "../lib/useTitle";
import { tones } from "../theme";

export function Landing() {
  const { t } = useI18n();
  const { user } = useAuth();
  useTitle("");
  const steps = [
    ["landing.step1", "landing.step1.text"],
    ["landing.step2", "landing.step2.text"],
    ["landing.step3", "landing.step3.text"],
  ] as const;
  return (
    <Stack spacing={4}>
      <Box
        component="section"
        aria-labelledby="hero-title"
        sx={{
          borderRadius: 7,
          p: { xs: 3, sm: 6 },
          background: `linear-gradient(135deg, ${tones.primaryContainer}, ${tones.tertiaryContainer})`,
        }}
      >
        <Typography id="hero-title" variant="h1" sx={{ maxWidth: 640, fontSize: { xs: "2rem", sm: "2.75rem" } }}>
          {t("landing.title")}
        </Typography>
        <Typography sx={{ mt: 2, maxWidth: 640, fontSize: "1.1rem", color: "text.secondary" }}>
          {t("landing.lead")}
        </Typography>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2} sx={{ mt: 4 }}>
          <Button component={RouterLink} to={user ? "/upload" : "/login?next=%2Fupload"} variant="contained" size="large">
            {t("landing.cta")}
          </Button>
          <Button component={RouterLink} to="/sample" variant="outlined" size="large">
            {t("landing.sample")}
          </Button>
          {user && (
            <Button component={RouterLink} to="/dashboard" variant="outlined" size="large">
              {t("landing.dashboard")}
            </Button>
          )}
        </Stack>
      </Box>
      <Box
        component="ol"
        sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "repeat(3, 1fr)" }, gap: 2, p: 0, m: 0, listStyle: "none" }}
      >
        {steps.map(([title, text], i) => (
          <Card component="li" key={title}>
            <CardContent>
              <Typography
                aria-hidden
                sx={{
                  width: 40,
                  height: 40,
                  borderRadius: "50%",
                  bgcolor: "primary.main",
                  color: "primary.contrastText",
                  display: "grid",
                  placeItems: "center",
                  fontWeight: 700,
                  mb: 1.5,
                }}
              >
                {i + 1}
              </Typography>
              <Typography variant="h3" component="h2">
                {t(title)}
              </Typography>
              <Typography sx={{ mt: 1, color: "text.secondary" }}>{t(text)}</Typography>
            </CardContent>
          </Card>
        ))}
      </Box>
    </Stack>
  );
}
