import {
  ArcElement,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Filler,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { Bar, Doughnut, Line } from "react-chartjs-2";
import { Box, Card, CardContent, Typography } from "@mui/material";
import type { ReactNode } from "react";
import type { Report, StampKind } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatPercent, formatTime } from "../lib/format";
import { tones } from "../theme";

ChartJS.register(ArcElement, BarElement, CategoryScale, LinearScale, PointElement, LineElement, Tooltip, Legend, Filler);
ChartJS.defaults.font.family = "system-ui, sans-serif";

const STRIKES: StampKind[] = ["jab", "cross", "lead_hook", "rear_hook", "lead_uppercut", "rear_uppercut"];
const KIND_COLOURS: Record<string, string> = {
  jab: "#c62828",
  cross: "#ad1457",
  lead_hook: "#6a1b9a",
  rear_hook: "#283593",
  lead_uppercut: "#00838f",
  rear_uppercut: "#2e7d32",
};

function ChartCard({ title, summary, children }: { title: string; summary: string; children: ReactNode }) {
  return (
    <Card component="figure" sx={{ m: 0, minWidth: 0, bgcolor: "background.paper" }}>
      <CardContent sx={{ p: { xs: 1.5, sm: 2 } }}>
        <Typography component="figcaption" variant="h3" sx={{ mb: 1 }}>
          {title}
        </Typography>
        <Box role="img" aria-label={`${title}: ${summary}`} sx={{ position: "relative", height: 240 }}>
          {children}
        </Box>
      </CardContent>
    </Card>
  );
}

function NoData() {
  const { t } = useI18n();
  return (
    <Typography sx={{ color: "text.secondary", pt: 10, textAlign: "center" }}>{t("chart.noData")}</Typography>
  );
}

export function ReportCharts({ report, onSeek }: { report: Report; onSeek?: (t: number) => void }) {
  const { t } = useI18n();
  const m = report.metrics;
  const mix = STRIKES.map((kind) => ({ kind, count: m.counts[kind] ?? 0 })).filter((k) => k.count > 0);
  const strikes = report.stamps.filter((s) => s.category === "strike" && s.peak_speed_mps != null);
  const guard = m.guard_discipline;
  const common = { responsive: true, maintainAspectRatio: false, animation: false as const };
  return (
    <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "1fr 1fr" }, gap: 2 }}>
      <ChartCard title={t("chart.mix")} summary={mix.map((k) => `${t(`kind.${k.kind}`)} ${k.count}`).join(", ")}>
        {mix.length === 0 ? (
          <NoData />
        ) : (
          <Doughnut
            options={{ ...common, plugins: { legend: { position: "right" } } }}
            data={{
              labels: mix.map((k) => t(`kind.${k.kind}`)),
              datasets: [{ data: mix.map((k) => k.count), backgroundColor: mix.map((k) => KIND_COLOURS[k.kind]) }],
            }}
          />
        )}
      </ChartCard>
      <ChartCard
        title={t("chart.workRate")}
        summary={m.work_rate.map((b) => `${formatTime(b.t_start_s, 0)} ${b.strikes}`).join(", ")}
      >
        {m.work_rate.length === 0 ? (
          <NoData />
        ) : (
          <Line
            options={{
              ...common,
              plugins: { legend: { display: false } },
              scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
            }}
            data={{
              labels: m.work_rate.map((b) => formatTime(b.t_start_s, 0)),
              datasets: [
                {
                  label: t("chart.strikes"),
                  data: m.work_rate.map((b) => b.strikes),
                  borderColor: tones.primary,
                  backgroundColor: "rgba(140,29,24,0.15)",
                  fill: true,
                  tension: 0.3,
                },
              ],
            }}
          />
        )}
      </ChartCard>
      <ChartCard
        title={t("chart.speed")}
        summary={strikes.map((s) => `${formatTime(s.t_peak_s)} ${s.peak_speed_mps!.toFixed(1)}`).join(", ")}
      >
        {strikes.length === 0 ? (
          <NoData />
        ) : (
          <Bar
            options={{
              ...common,
              plugins: {
                legend: { display: false },
                tooltip: {
                  callbacks: { title: (items) => `${t(`kind.${strikes[items[0].dataIndex].kind}`)} ${items[0].label}` },
                },
              },
              scales: { y: { beginAtZero: true } },
              onClick: (_event, elements) => {
                if (elements[0] && onSeek) onSeek(Math.max(0, strikes[elements[0].index].t_start_s));
              },
            }}
            data={{
              labels: strikes.map((s) => formatTime(s.t_peak_s)),
              datasets: [
                {
                  label: t("unit.mps"),
                  data: strikes.map((s) => s.peak_speed_mps),
                  backgroundColor: strikes.map((s) => KIND_COLOURS[s.kind] ?? tones.strike),
                  borderRadius: 4,
                },
              ],
            }}
          />
        )}
      </ChartCard>
      <ChartCard title={t("chart.guard")} summary={formatPercent(guard)}>
        {guard == null ? (
          <NoData />
        ) : (
          <>
            <Doughnut
              options={{
                ...common,
                rotation: -90,
                circumference: 180,
                cutout: "70%",
                plugins: { legend: { position: "bottom" } },
              }}
              data={{
                labels: [t("chart.guardUp"), t("chart.guardDown")],
                datasets: [{ data: [guard, 1 - guard], backgroundColor: ["#2e7d32", tones.outlineVariant] }],
              }}
            />
            <Typography
              aria-hidden
              sx={{ position: "absolute", left: 0, right: 0, top: "52%", textAlign: "center", fontSize: "2rem", fontWeight: 700 }}
            >
              {formatPercent(guard)}
            </Typography>
          </>
        )}
      </ChartCard>
    </Box>
  );
}
