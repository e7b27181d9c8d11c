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
/** One colour per punch, far apart in hue (jab and cross were two reds). */
export const KIND_COLOURS: Record<string, string> = {
  jab: "#c62828",
  cross: "#1565c0",
  lead_hook: "#ef6c00",
  rear_hook: "#6a1b9a",
  lead_uppercut: "#00838f",
  rear_uppercut: "#2e7d32",
};

/** Work-rate bins shorter than this (the end of the video) are left out: a rate over a second or two is noise. */
const MIN_BIN_S = 3;

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
  const speedKinds = STRIKES.filter((kind) => strikes.some((s) => s.kind === kind));
  // Per minute of the time the boxer was seen in each bin; reports made before bins carried it: strikes x 6.
  const bins = m.work_rate
    .map((b) => ({ t: b.t_start_s, seen: b.seen_s ?? 10, rate: b.strikes_per_minute ?? b.strikes * 6 }))
    .filter((b) => b.seen >= MIN_BIN_S);
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
              labels: mix.map((k) => `${t(`kind.${k.kind}`)}: ${k.count}`),
              datasets: [{ data: mix.map((k) => k.count), backgroundColor: mix.map((k) => KIND_COLOURS[k.kind]) }],
            }}
          />
        )}
      </ChartCard>
      <ChartCard
        title={t("chart.workRate")}
        summary={bins.map((b) => `${formatTime(b.t, 0)} ${Math.round(b.rate)}${t("unit.perMin")}`).join(", ")}
      >
        {bins.length === 0 ? (
          <NoData />
        ) : (
          <Line
            options={{
              ...common,
              plugins: { legend: { display: false } },
              scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t("chart.perMinute") } } },
            }}
            data={{
              labels: bins.map((b) => formatTime(b.t, 0)),
              datasets: [
                {
                  label: t("chart.perMinute"),
                  data: bins.map((b) => b.rate),
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
                legend: { display: true, position: "bottom", labels: { boxWidth: 12 } },
                tooltip: {
                  callbacks: { title: (items) => `${t(`kind.${strikes[items[0].dataIndex].kind}`)} ${items[0].label}` },
                },
              },
              datasets: { bar: { grouped: false } },
              scales: { y: { beginAtZero: true, title: { display: true, text: t("unit.mps") } } },
              onClick: (_event, elements) => {
                if (elements[0] && onSeek) onSeek(Math.max(0, strikes[elements[0].index].t_start_s));
              },
            }}
            data={{
              labels: strikes.map((s) => formatTime(s.t_peak_s)),
              // One dataset per punch kind (a legend of colours), each bar in its strike's slot.
              datasets: speedKinds.map((kind) => ({
                label: t(`kind.${kind}`),
                data: strikes.map((s) => (s.kind === kind ? s.peak_speed_mps : null)),
                backgroundColor: KIND_COLOURS[kind] ?? tones.strike,
                borderRadius: 4,
              })),
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
