import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle } from "@mui/material";
import { useI18n } from "../i18n/I18n";

export function ConfirmDialog(props: { open: boolean; title: string; text: string; confirm: string; onConfirm: () => void; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={props.open} onClose={props.onClose} aria-labelledby="confirm-title" aria-describedby="confirm-text">
      <DialogTitle id="confirm-title">{props.title}</DialogTitle>
      <DialogContent>
        <DialogContentText id="confirm-text">{props.text}</DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} autoFocus>
          {t("common.cancel")}
        </Button>
        <Button color="error" variant="contained" onClick={props.onConfirm}>
          {props.confirm}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
