import { Box, Button, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import type { Metrics } from "../api/types";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/strings";
import { formatNumber, formatPercent, formatTime } from "../lib/format";
import { KIND_COLOURS } from "./Charts";

const BY_NUMBER = ["", "jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut"];

function signed(pct: number | null | undefined): string {
  return pct == null ? "–" : `${pct > 0 ? "+" : ""}${Math.round(pct)}%`;
}

/** A corner sheet: figures per round, the combinations with their speed, tempo and the last third against the first. */
export function SessionTables({ metrics, onSeek }: { metrics: Metrics; onSeek?: (t: number) => void }) {
  const { t } = useI18n();
  const rounds = metrics.rounds ?? [];
  const patterns = metrics.combinations?.patterns ?? [];
  const fatigue = metrics.fatigue ?? {};
  const comboName = (pattern: string) =>
    pattern
      .split("-")
      .map((n) => t(`kind.${BY_NUMBER[Number(n)] ?? "jab"}` as MessageKey))
      .join(" – ");
  return (
    <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "1fr 1fr" }, gap: 3 }}>
      <section aria-labelledby="rounds-title">
        <Typography id="rounds-title" variant="h3" sx={{ mb: 1 }}>
          {t("session.rounds")}
        </Typography>
        {rounds.length > 0 && (
          <Box sx={{ overflowX: "auto" }}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>{t("session.rounds")}</TableCell>
                  <TableCell>{t("session.time")}</TableCell>
                  <TableCell align="right">{t("session.punches")}</TableCell>
                  <TableCell align="right">{t("session.rate")}</TableCell>
                  <TableCell align="right">{t("session.speed")}</TableCell>
                  <TableCell align="right">{t("session.guard")}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rounds.map((r) => (
                  <TableRow key={r.index}>
                    <TableCell>{t("session.round", { n: r.index })}</TableCell>
                    <TableCell sx={{ whiteSpace: "nowrap" }}>
                      {formatTime(r.t_start_s, 0)}–{formatTime(r.t_end_s, 0)}
                    </TableCell>
                    <TableCell align="right">{r.strikes}</TableCell>
                    <TableCell align="right">{formatNumber(r.strikes_per_minute)}</TableCell>
                    <TableCell align="right">
                      {r.mean_hand_speed_mps == null ? "–" : `${formatNumber(r.mean_hand_speed_mps)} ${t("unit.mps")}`}
                    </TableCell>
                    <TableCell align="right">{formatPercent(r.guard_discipline)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        )}
        {rounds.length === 1 && (
          <Typography variant="body2" sx={{ color: "text.secondary", mt: 1 }}>
            {t("session.oneRound")}
          </Typography>
        )}
        <Typography variant="h3" sx={{ mt: 3, mb: 1 }}>
          {t("session.tempo")}
        </Typography>
        <Box component="dl" sx={{ display: "grid", gridTemplateColumns: "auto 1fr", columnGap: 2, rowGap: 0.5, m: 0 }}>
          <dt>{t("session.active")}</dt>
          <dd style={{ margin: 0 }}>{formatTime(metrics.active_time_s, 0)}</dd>
          <dt>{t("session.idle")}</dt>
          <dd style={{ margin: 0 }}>{formatTime(metrics.idle_time_s, 0)}</dd>
          <dt>{t("session.fatigue")}</dt>
          <dd style={{ margin: 0 }}>
            {t("session.fatigueRate", { pct: signed(fatigue.rate_change_pct) })},{" "}
            {t("session.fatigueSpeed", { pct: signed(fatigue.speed_change_pct) })}
          </dd>
        </Box>
      </section>
      <section aria-labelledby="combos-title">
        <Typography id="combos-title" variant="h3" sx={{ mb: 1 }}>
          {t("session.combos")}
        </Typography>
        {patterns.length === 0 ? (
          <Typography variant="body2" sx={{ color: "text.secondary" }}>
            {t("session.noCombos")}
          </Typography>
        ) : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t("session.combos")}</TableCell>
                <TableCell align="right">{t("session.comboCount")}</TableCell>
                <TableCell align="right">{t("session.speed")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {patterns.map((p) => (
                <TableRow key={p.pattern}>
                  <TableCell>
                    <Button
                      size="small"
                      disabled={!onSeek || !p.t_peak_s?.length}
                      onClick={() => p.t_peak_s?.length && onSeek?.(Math.max(0, p.t_peak_s[0] - 0.5))}
                      sx={{ textTransform: "none", minHeight: 44, justifyContent: "flex-start", textAlign: "left" }}
                    >
                      <Box
                        component="span"
                        aria-hidden
                        sx={{ width: 10, height: 10, borderRadius: "50%", mr: 1, bgcolor: KIND_COLOURS[BY_NUMBER[Number(p.pattern.split("-")[0])]] }}
                      />
                      {p.pattern} · {comboName(p.pattern)}
                    </Button>
                  </TableCell>
                  <TableCell align="right">{p.count}</TableCell>
                  <TableCell align="right">
                    {p.mean_speed_mps == null ? "–" : `${formatNumber(p.mean_speed_mps)} ${t("unit.mps")}`}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>
    </Box>
  );
}
