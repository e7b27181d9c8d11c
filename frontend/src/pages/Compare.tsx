import useSWR from "swr";
import { Link as RouterLink, useParams } from "react-router-dom";
import { Box, Button, Card, CardContent, CircularProgress, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { api, unwrap } from "../api/client";
import type { Report } from "../api/types";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/strings";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatNumber, formatPercent, formatTime } from "../lib/format";
import { useTitle } from "../lib/useTitle";

type Row = { label: MessageKey; value: (r: Report) => number | null; format: (v: number | null) => string; higherIsBetter: boolean };

const ROWS: Row[] = [
  { label: "metric.strikes", value: (r) => r.metrics.strikes_total, format: (v) => (v == null ? "–" : String(v)), higherIsBetter: true },
  { label: "metric.spm", value: (r) => r.metrics.strikes_per_minute, format: (v) => formatNumber(v), higherIsBetter: true },
  { label: "metric.speed", value: (r) => r.metrics.mean_hand_speed_mps, format: (v) => formatNumber(v), higherIsBetter: true },
  { label: "metric.peakSpeed", value: (r) => r.metrics.peak_hand_speed_mps, format: (v) => formatNumber(v), higherIsBetter: true },
  { label: "metric.guard", value: (r) => r.metrics.guard_discipline, format: (v) => formatPercent(v), higherIsBetter: true },
  { label: "metric.guardDrops", value: (r) => r.metrics.guard_drops, format: (v) => (v == null ? "–" : String(v)), higherIsBetter: false },
  { label: "metric.head", value: (r) => r.metrics.head_movements_per_minute, format: (v) => formatNumber(v), higherIsBetter: true },
  { label: "metric.return", value: (r) => r.metrics.mean_return_to_guard_s, format: (v) => formatNumber(v, 2), higherIsBetter: false },
  { label: "metric.combos", value: (r) => r.metrics.combinations?.total ?? 0, format: (v) => (v == null ? "–" : String(v)), higherIsBetter: true },
  { label: "metric.duration", value: (r) => r.metrics.duration_s, format: (v) => (v == null ? "–" : formatTime(v, 0)), higherIsBetter: true },
];

/** The change from A to B in words a boxer reads at a glance: "+12%", "−0.3", or "–". */
export function change(a: number | null, b: number | null): string {
  if (a == null || b == null) return "–";
  if (a === 0) return b === 0 ? "0" : `${b > 0 ? "+" : ""}${formatNumber(b - a)}`;
  const pct = Math.round((100 * (b - a)) / Math.abs(a));
  return `${pct > 0 ? "+" : ""}${pct}%`;
}

/** Two reports side by side: every headline figure of each and the change from the first to the second. */
export default function ComparePage() {
  const { a = "", b = "" } = useParams();
  const { t, lang } = useI18n();
  useTitle(t("compare.title"));
  const load = (id: string) => unwrap<Report>(api.GET("/api/v1/reports/{analysis_id}", { params: { path: { analysis_id: id } } }));
  const first = useSWR(["report", a], () => load(a));
  const second = useSWR(["report", b], () => load(b));
  if (first.error || second.error) return <ErrorAlert error={first.error ?? second.error} />;
  if (!first.data || !second.data) {
    return (
      <Box sx={{ display: "flex", justifyContent: "center", py: 8 }}>
        <CircularProgress aria-label={t("common.loading")} />
      </Box>
    );
  }
  const reports = [first.data, second.data];
  return (
    <Stack spacing={3}>
      <Typography variant="h1">{t("compare.title")}</Typography>
      <Card>
        <CardContent sx={{ overflowX: "auto" }}>
          <Table aria-label={t("compare.title")}>
            <TableHead>
              <TableRow>
                <TableCell />
                {[a, b].map((id, i) => (
                  <TableCell key={id} align="right">
                    <Button size="small" component={RouterLink} to={`/report/${id}`}>
                      {t(i === 0 ? "compare.first" : "compare.second")}
                    </Button>
                  </TableCell>
                ))}
                <TableCell align="right">{t("compare.change")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {ROWS.map((row) => {
                const [va, vb] = reports.map(row.value);
                const delta = change(va, vb);
                const better = va != null && vb != null && vb !== va && (vb > va) === row.higherIsBetter;
                return (
                  <TableRow key={row.label}>
                    <TableCell component="th" scope="row">
                      {t(row.label)}
                    </TableCell>
                    <TableCell align="right">{row.format(va)}</TableCell>
                    <TableCell align="right">{row.format(vb)}</TableCell>
                    <TableCell align="right" sx={{ fontWeight: 700, color: delta === "–" || va === vb ? "text.secondary" : better ? "success.main" : "error.main" }}>
                      {delta}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
      <Typography variant="body2" sx={{ color: "text.secondary" }} lang={lang}>
        {t("compare.note")}
      </Typography>
    </Stack>
  );
}
