import { useState } from "react";
import useSWR from "swr";
import { Link as RouterLink, useNavigate } from "react-router-dom";
import {
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Chip,
  FormControlLabel,
  IconButton,
  Pagination,
  Stack,
  Typography,
} from "@mui/material";
import { CategoryScale, Chart as ChartJS, Filler, LinearScale, LineElement, PointElement, Tooltip } from "chart.js";
import { Line } from "react-chartjs-2";
import { api, unwrap } from "../api/client";
import type { ReportPage, ReportRow, StatusDoc, StatusList } from "../api/types";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/strings";
import { ErrorAlert } from "../components/ErrorAlert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DeleteIcon } from "../components/icons";
import { formatDate, formatNumber, formatPercent, formatTime } from "../lib/format";
import { useTitle } from "../lib/useTitle";
import { localizeServerText } from "../lib/serverText";
import { tones } from "../theme";

ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, Tooltip, Filler);

const PAGE = 10;

function Trend({ rows, title, value, format, colour }: {
  rows: ReportRow[];
  title: MessageKey;
  value: (r: ReportRow) => number | null;
  format: (v: number | null) => string;
  colour: string;
}) {
  const { t, lang } = useI18n();
  const ordered = [...rows].reverse(); // oldest first
  const latest = rows[0] ? value(rows[0]) : null;
  const summary = ordered.map((r) => `${formatDate(r.created_at, lang)} ${format(value(r))}`).join(", ");
  return (
    <Card component="figure" sx={{ m: 0, minWidth: 0 }}>
      <CardContent>
        <Typography component="figcaption" variant="body2" sx={{ color: "text.secondary" }}>
          {t(title)}
        </Typography>
        <Typography sx={{ fontSize: "1.75rem", fontWeight: 700 }}>{format(latest)}</Typography>
        <Box role="img" aria-label={`${t(title)}: ${summary}`} sx={{ height: 140, position: "relative" }}>
          <Line
            options={{
              responsive: true,
              maintainAspectRatio: false,
              animation: false,
              plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => format(c.parsed.y) } } },
              scales: { x: { ticks: { maxTicksLimit: 4 } }, y: { beginAtZero: true, ticks: { maxTicksLimit: 4 } } },
            }}
            data={{
              labels: ordered.map((r) => new Date(r.created_at).toLocaleDateString(lang === "ko" ? "ko-KR" : "en-GB", { month: "short", day: "numeric" })),
              datasets: [
                {
                  data: ordered.map(value),
                  borderColor: colour,
                  backgroundColor: `${colour}22`,
                  fill: true,
                  tension: 0.3,
                  pointRadius: 4,
                },
              ],
            }}
          />
        </Box>
      </CardContent>
    </Card>
  );
}

export default function DashboardPage() {
  const { t, lang } = useI18n();
  useTitle(t("dashboard.title"));
  const [page, setPage] = useState(1);
  const [toDelete, setToDelete] = useState<{ analysis_id: string; report: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [picked, setPicked] = useState<ReportRow[]>([]);
  const navigate = useNavigate();
  const togglePick = (row: ReportRow) =>
    setPicked((now) =>
      now.some((r) => r.analysis_id === row.analysis_id)
        ? now.filter((r) => r.analysis_id !== row.analysis_id)
        : [...now, row].slice(-2),
    );
  const compare = () => {
    const [earlier, later] = [...picked].sort((x, y) => x.created_at.localeCompare(y.created_at));
    navigate(`/compare/${earlier.analysis_id}/${later.analysis_id}`);
  };
  const list = useSWR(["reports", page], () =>
    unwrap<ReportPage>(api.GET("/api/v1/reports", { params: { query: { limit: PAGE, offset: (page - 1) * PAGE } } })),
  );
  const trend = useSWR("reports-trend", () =>
    unwrap<ReportPage>(api.GET("/api/v1/reports", { params: { query: { limit: 50, offset: 0 } } })),
  );
  const analyses = useSWR("analyses", () =>
    unwrap<StatusList>(api.GET("/api/v1/analyses", { params: { query: { limit: 20, offset: 0 } } })),
  );
  const unfinished = analyses.data?.items ?? [];
  const inProgress = unfinished.filter((a) => a.status !== "completed" && a.status !== "failed");
  const failed = unfinished.filter((a) => a.status === "failed");

  const remove = async (row: { analysis_id: string }) => {
    setToDelete(null);
    setError(null);
    try {
      await unwrap(api.DELETE("/api/v1/reports/{analysis_id}", { params: { path: { analysis_id: row.analysis_id } } }));
      await Promise.all([list.mutate(), trend.mutate(), analyses.mutate()]);
    } catch (e) {
      setError(e);
    }
  };

  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const trendRows = trend.data?.items ?? [];

  return (
    <Stack spacing={3}>
      <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "center", flexWrap: "wrap", gap: 1 }}>
        <Typography variant="h1">{t("dashboard.title")}</Typography>
        <Button component={RouterLink} to="/upload" variant="contained">
          {t("nav.upload")}
        </Button>
      </Stack>
      <ErrorAlert error={error ?? list.error} onRetry={() => void list.mutate()} />
      {inProgress.length > 0 && (
        <Card component="section" aria-labelledby="progress-title">
          <CardContent>
            <Typography id="progress-title" variant="h2" sx={{ mb: 1 }}>
              {t("dashboard.inProgress")}
            </Typography>
            <Stack spacing={1}>
              {inProgress.map((a) => (
                <Stack key={a.analysis_id} direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap" }}>
                  <Typography>{formatDate(a.created_at, lang)}</Typography>
                  <Chip size="small" label={t(`status.${a.status}` as MessageKey)} />
                  <Button
                    size="small"
                    component={RouterLink}
                    to={a.status === "created" ? `/configure/${a.analysis_id}` : `/processing/${a.analysis_id}`}
                  >
                    {t("dashboard.open")}
                  </Button>
                </Stack>
              ))}
            </Stack>
          </CardContent>
        </Card>
      )}
      {failed.length > 0 && (
        <Card component="section" aria-labelledby="failed-title">
          <CardContent>
            <Typography id="failed-title" variant="h2" sx={{ mb: 1 }}>
              {t("dashboard.failed")}
            </Typography>
            <Stack spacing={1.5}>
              {failed.map((a: StatusDoc) => (
                <Stack key={a.analysis_id} direction="row" sx={{ alignItems: "center", flexWrap: "wrap", gap: 1 }}>
                  <Box sx={{ flex: "1 1 240px", minWidth: 0 }}>
                    <Typography sx={{ fontWeight: 700 }}>{formatDate(a.created_at, lang)}</Typography>
                    {a.error && (
                      <Typography variant="body2" sx={{ color: "text.secondary", overflowWrap: "anywhere" }}>
                        {localizeServerText(a.error, lang)}
                      </Typography>
                    )}
                  </Box>
                  <Button size="small" variant="outlined" component={RouterLink} to={`/processing/${a.analysis_id}`}>
                    {t("dashboard.retry")}
                  </Button>
                  <IconButton
                    aria-label={`${t("dashboard.delete")} ${formatDate(a.created_at, lang)}`}
                    onClick={() => setToDelete({ analysis_id: a.analysis_id, report: false })}
                    color="error"
                  >
                    <DeleteIcon />
                  </IconButton>
                </Stack>
              ))}
            </Stack>
          </CardContent>
        </Card>
      )}
      {list.data && total === 0 && (
        <Card>
          <CardContent>
            <Typography>{t("dashboard.empty")}</Typography>
          </CardContent>
        </Card>
      )}
      {trendRows.length > 0 && (
        <section aria-labelledby="trends-title">
          <Typography id="trends-title" variant="h2" sx={{ mb: 1.5 }}>
            {t("dashboard.trends")}
          </Typography>
          <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "repeat(3, 1fr)" }, gap: 2 }}>
            <Trend rows={trendRows} title="metric.spm" value={(r) => r.strikes_per_minute} format={(v) => formatNumber(v)} colour={tones.primary} />
            <Trend
              rows={trendRows}
              title="metric.speed"
              value={(r) => r.mean_hand_speed_mps}
              format={(v) => (v == null ? "–" : `${formatNumber(v)} ${t("unit.mps")}`)}
              colour="#283593"
            />
            <Trend
              rows={trendRows}
              title="metric.guard"
              value={(r) => (r.guard_discipline == null ? null : r.guard_discipline * 100)}
              format={(v) => (v == null ? "–" : formatPercent(v / 100))}
              colour="#2e7d32"
            />
          </Box>
        </section>
      )}
      {rows.length > 0 && (
        <section aria-labelledby="history-title">
          <Stack direction="row" sx={{ mb: 1.5, alignItems: "center", justifyContent: "space-between", flexWrap: "wrap", gap: 1 }}>
            <Typography id="history-title" variant="h2">
              {t("dashboard.history")}
            </Typography>
            {rows.length > 1 && (
              <Button variant="outlined" disabled={picked.length !== 2} onClick={compare}>
                {picked.length === 2 ? t("compare.go") : t("compare.pick")}
              </Button>
            )}
          </Stack>
          <Box component="ul" sx={{ listStyle: "none", p: 0, m: 0, display: "grid", gap: 1.5 }}>
            {rows.map((row) => (
              <Card component="li" key={row.analysis_id}>
                <CardContent sx={{ display: "flex", flexWrap: "wrap", gap: 2, alignItems: "center", "&:last-child": { pb: 2 } }}>
                  <Box sx={{ flex: "1 1 200px" }}>
                    <Typography sx={{ fontWeight: 700 }}>{formatDate(row.created_at, lang)}</Typography>
                    <Typography variant="body2" sx={{ color: "text.secondary" }}>
                      {formatTime(row.duration_s, 0)} · {row.strikes_total} {t("metric.strikes").toLowerCase()} ·{" "}
                      {formatNumber(row.strikes_per_minute)}
                      {t("unit.perMin")} · {formatNumber(row.mean_hand_speed_mps)} {t("unit.mps")} · {t("metric.guard")}{" "}
                      {formatPercent(row.guard_discipline)}
                    </Typography>
                  </Box>
                  {rows.length > 1 && (
                    <FormControlLabel
                      control={
                        <Checkbox
                          checked={picked.some((r) => r.analysis_id === row.analysis_id)}
                          onChange={() => togglePick(row)}
                        />
                      }
                      label={t("compare.select")}
                    />
                  )}
                  <Button component={RouterLink} to={`/report/${row.analysis_id}`} variant="contained">
                    {t("dashboard.open")}
                  </Button>
                  <IconButton
                    aria-label={`${t("dashboard.delete")} ${formatDate(row.created_at, lang)}`}
                    onClick={() => setToDelete({ analysis_id: row.analysis_id, report: true })}
                    color="error"
                  >
                    <DeleteIcon />
                  </IconButton>
                </CardContent>
              </Card>
            ))}
          </Box>
          {total > PAGE && (
            <Pagination
              sx={{ mt: 2 }}
              count={Math.ceil(total / PAGE)}
              page={page}
              onChange={(_, p) => setPage(p)}
              getItemAriaLabel={(type, p) => (type === "page" ? `${p}` : type)}
            />
          )}
        </section>
      )}
      <ConfirmDialog
        open={Boolean(toDelete)}
        title={t(toDelete?.report === false ? "dashboard.deleteAnalysisTitle" : "dashboard.deleteTitle")}
        text={t(toDelete?.report === false ? "dashboard.deleteAnalysisText" : "dashboard.deleteText")}
        confirm={t("dashboard.delete")}
        onConfirm={() => toDelete && void remove(toDelete)}
        onClose={() => setToDelete(null)}
      />
    </Stack>
  );
}
