import { Button, Stack, ToggleButton, ToggleButtonGroup, Typography } from "@mui/material";
import type { Stamp } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatPercent, formatTime } from "../lib/format";
import { seekTimeOf } from "./StampTimeline";

export const SPEEDS = [1, 0.5, 0.25] as const;

/** The stamp being checked: the last one that started at or before ``time`` (-1 before the first). */
export function currentStampIndex(stamps: Stamp[], time: number): number {
  let found = -1;
  stamps.forEach((s, i) => {
    if (s.t_start_s - 0.05 <= time) found = i;
  });
  return found;
}

interface Props {
  stamps: Stamp[];
  currentTime: number;
  onSeek: (seconds: number) => void;
  rate: number;
  onRate: (rate: number) => void;
}

/** One-thumb checking: previous / next stamp, what the current one is, and slow motion to see it happen. */
export function StampStepper({ stamps, currentTime, onSeek, rate, onRate }: Props) {
  const { t } = useI18n();
  const index = currentStampIndex(stamps, currentTime);
  const current = index >= 0 ? stamps[index] : undefined;
  const go = (i: number) => stamps[i] && onSeek(seekTimeOf(stamps[i]));
  return (
    <Stack spacing={1} sx={{ mt: 1 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
        <Button variant="outlined" onClick={() => go(index - 1)} disabled={index <= 0} sx={{ minWidth: 44, minHeight: 44 }} aria-label={t("stepper.previous")}>
          ‹
        </Button>
        <Typography role="status" aria-live="polite" sx={{ flex: 1, textAlign: "center", fontWeight: 600, minWidth: 0 }}>
          {current
            ? `${index + 1}/${stamps.length} · ${t(`kind.${current.kind}`)} · ${formatTime(current.t_peak_s)}${
                current.peak_speed_mps != null ? ` · ${current.peak_speed_mps.toFixed(1)} ${t("unit.mps")}` : ""
              } · ${formatPercent(current.confidence)}`
            : t("stepper.none", { count: stamps.length })}
        </Typography>
        <Button
          variant="outlined"
          onClick={() => go(index + 1)}
          disabled={index >= stamps.length - 1}
          sx={{ minWidth: 44, minHeight: 44 }}
          aria-label={t("stepper.next")}
        >
          ›
        </Button>
      </Stack>
      <ToggleButtonGroup
        exclusive
        size="small"
        value={rate}
        onChange={(_e, value: number | null) => value != null && onRate(value)}
        aria-label={t("stepper.speed")}
        sx={{ alignSelf: "center" }}
      >
        {SPEEDS.map((speed) => (
          <ToggleButton key={speed} value={speed} sx={{ minWidth: 56, minHeight: 44 }}>
            {speed}×
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
    </Stack>
  );
}
