import { Box, Card, CardContent, Typography } from "@mui/material";
import type { Report } from "../api/types";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/strings";
import { formatNumber, formatPercent, formatTime } from "../lib/format";

export function MetricCards({ report }: { report: Report }) {
  const { t } = useI18n();
  const m = report.metrics;
  const items: [MessageKey, string, string?][] = [
    ["metric.strikes", String(m.strikes_total)],
    ["metric.spm", formatNumber(m.strikes_per_minute), t("unit.perMin")],
    ["metric.speed", formatNumber(m.mean_hand_speed_mps), t("unit.mps")],
    ["metric.peakSpeed", formatNumber(m.peak_hand_speed_mps), t("unit.mps")],
    ["metric.guard", formatPercent(m.guard_discipline)],
    ["metric.guardDrops", String(m.guard_drops)],
    ["metric.head", formatNumber(m.head_movements_per_minute), t("unit.perMin")],
    ["metric.return", formatNumber(m.mean_return_to_guard_s, 2), t("unit.s")],
    ["metric.combos", String(m.combinations?.total ?? 0)],
    ["metric.leadRear", m.lead_share == null ? "–" : `${formatPercent(m.lead_share)}/${formatPercent(m.rear_share)}`],
    ["metric.coverage", formatPercent(report.quality.pose_coverage)],
    ["metric.duration", formatTime(m.duration_s, 0)],
  ];
  return (
    <Box
      component="dl"
      sx={{ display: "grid", gridTemplateColumns: { xs: "repeat(2, 1fr)", sm: "repeat(3, 1fr)", lg: "repeat(4, 1fr)" }, gap: 1.5, m: 0 }}
    >
      {items.map(([key, value, unit]) => (
        <Card key={key} sx={{ minWidth: 0, bgcolor: "background.paper" }}>
          <CardContent sx={{ p: 1.75, "&:last-child": { pb: 1.75 } }}>
            <Typography component="dt" variant="body2" sx={{ color: "text.secondary", minHeight: "2.5em", lineHeight: 1.25 }}>
              {t(key)}
            </Typography>
            <Typography component="dd" sx={{ m: 0, fontSize: { xs: "1.3rem", sm: "1.5rem" }, fontWeight: 700, whiteSpace: "nowrap" }}>
              {value}
              {unit && value !== "–" && (
                <Typography component="span" sx={{ ml: 0.5, fontSize: "0.9rem", color: "text.secondary" }}>
                  {unit}
                </Typography>
              )}
            </Typography>
          </CardContent>
        </Card>
      ))}
    </Box>
  );
}
