import { Alert, Button } from "@mui/material";
import { errorMessage } from "../api/errors";
import { useI18n } from "../i18n/I18n";

/** An API error as the boxer reads it, announced to screen readers. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <Alert
      severity="error"
      role="alert"
      action={
        onRetry ? (
          <Button color="inherit" size="small" onClick={onRetry}>
            {t("common.retry")}
          </Button>
        ) : undefined
      }
      sx={{ my: 2 }}
    >
      {errorMessage(error, t)}
    </Alert>
  );
}
