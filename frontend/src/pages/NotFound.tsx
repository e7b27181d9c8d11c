import { Button, Stack, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router-dom";
import { useI18n } from "../i18n/I18n";
import { useTitle } from "../lib/useTitle";

export function NotFound() {
  const { t } = useI18n();
  useTitle(t("notFound.title"));
  return (
    <Stack spacing={2} sx={{ py: 6, alignItems: "flex-start" }}>
      <Typography variant="h1">{t("notFound.title")}</Typography>
      <Typography>{t("notFound.text")}</Typography>
      <Button component={RouterLink} to="/" variant="contained">
        {t("common.home")}
      </Button>
    </Stack>
  );
}
