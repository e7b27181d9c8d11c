import { useState } from "react";
import useSWR from "swr";
import {
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  MenuItem,
  Snackbar,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { api, unwrap } from "../api/client";
import type { ShareLink, ShareLinkList } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { ErrorAlert } from "./ErrorAlert";
import { CopyIcon } from "./icons";
import { formatDate } from "../lib/format";

/** The link as this site's own address (the server's PUNCH_PUBLIC_URL may differ from where the app runs). */
export function shareUrl(hash: string): string {
  return `${window.location.origin}/share/${hash}`;
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

export function ShareControls({ analysisId }: { analysisId: string }) {
  const { t, lang } = useI18n();
  const path = { analysis_id: analysisId };
  const links = useSWR(["shares", analysisId], () =>
    unwrap<ShareLinkList>(api.GET("/api/v1/reports/{analysis_id}/shares", { params: { path } })),
  );
  const [expiry, setExpiry] = useState("never");
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState(false);
  const [confirm, setConfirm] = useState<ShareLink | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { expires_in_days: expiry === "never" ? null : Number(expiry) };
      await unwrap(api.POST("/api/v1/reports/{analysis_id}/shares", { params: { path }, body }));
      await links.mutate();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (link: ShareLink) => {
    setConfirm(null);
    setError(null);
    try {
      await unwrap(
        api.DELETE("/api/v1/reports/{analysis_id}/shares/{share_hash}", {
          params: { path: { analysis_id: analysisId, share_hash: link.hash } },
        }),
      );
      await links.mutate();
    } catch (e) {
      setError(e);
    }
  };
  const copy = async (link: ShareLink) => {
    await copyText(shareUrl(link.hash));
    setCopied(true);
  };
  const items = links.data?.items ?? [];
  const active = items.filter((l) => l.active);

  return (
    <Stack spacing={2}>
      {active.length === 0 && <Typography sx={{ color: "text.secondary" }}>{t("share.private")}</Typography>}
      <Stack direction={{ xs: "column", sm: "row" }} spacing={1.5} sx={{ alignItems: { sm: "center" } }}>
        <TextField
          select
          size="small"
          label={t("share.expiry")}
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="never">{t("share.never")}</MenuItem>
          {[1, 7, 30].map((n) => (
            <MenuItem key={n} value={String(n)}>
              {t("share.days", { n })}
            </MenuItem>
          ))}
        </TextField>
        <Button variant="contained" onClick={create} disabled={busy}>
          {t("share.create")}
        </Button>
      </Stack>
      <ErrorAlert error={error ?? links.error} />
      {items.length > 0 && (
        <Box component="ul" aria-label={t("share.title")} sx={{ listStyle: "none", p: 0, m: 0, display: "grid", gap: 1 }}>
          {items.map((link) => {
            const state = link.active ? "share.active" : link.revoked_at ? "share.revoked" : "share.expired";
            return (
              <Box
                component="li"
                key={link.hash}
                data-share-hash={link.hash}
                sx={{
                  display: "flex",
                  flexWrap: "wrap",
                  gap: 1,
                  alignItems: "center",
                  p: 1.5,
                  borderRadius: 3,
                  bgcolor: "background.paper",
                  opacity: link.active ? 1 : 0.6,
                }}
              >
                <Box
                  component="code"
                  data-testid="share-url"
                  sx={{ flex: "1 1 240px", minWidth: 0, overflowWrap: "anywhere", fontSize: "0.9rem" }}
                >
                  {shareUrl(link.hash)}
                </Box>
                <Chip size="small" label={t(state)} color={link.active ? "success" : "default"} />
                {link.expires_at && link.active && (
                  <Typography variant="body2">{t("share.expiresAt", { date: formatDate(link.expires_at, lang) })}</Typography>
                )}
                {link.active && (
                  <>
                    <Button size="small" startIcon={<CopyIcon />} onClick={() => void copy(link)}>
                      {t("share.copy")}
                    </Button>
                    <Button size="small" color="error" onClick={() => setConfirm(link)}>
                      {t("share.revoke")}
                    </Button>
                  </>
                )}
              </Box>
            );
          })}
        </Box>
      )}
      {/* At the top: at the bottom it covered the link it had just copied. */}
      <Snackbar
        open={copied}
        autoHideDuration={2500}
        onClose={() => setCopied(false)}
        message={t("share.copied")}
        anchorOrigin={{ vertical: "top", horizontal: "center" }}
      />
      <Dialog open={Boolean(confirm)} onClose={() => setConfirm(null)} aria-labelledby="revoke-title">
        <DialogTitle id="revoke-title">{t("share.revoke")}</DialogTitle>
        <DialogContent>
          <DialogContentText>{t("share.revokeConfirm")}</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(null)}>{t("common.cancel")}</Button>
          <Button color="error" variant="contained" onClick={() => confirm && void revoke(confirm)}>
            {t("share.revoke")}
          </Button>
        </DialogActions>
      </Dialog>
    </Stack>
  );
}
