import { useRef, useState, type KeyboardEvent } from "react";
import { Box, ButtonBase, Stack, Typography } from "@mui/material";
import type { Stamp, StampCategory } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatTime } from "../lib/format";
import { tones } from "../theme";

export const CATEGORY_COLOURS: Record<StampCategory, string> = {
  strike: tones.strike,
  defense: tones.defense,
  fault: tones.fault,
};
const LANES: StampCategory[] = ["strike", "defense", "fault"];
const PX_PER_SECOND = 22;

/** Where clicking a stamp takes the video: its start, so the whole move plays. */
export function seekTimeOf(stamp: Stamp): number {
  return Math.max(0, stamp.t_start_s);
}

interface Props {
  stamps: Stamp[];
  duration: number;
  currentTime: number;
  onSeek: (seconds: number) => void;
}

/**
 * Stamps on a time axis, one lane per category; each stamp is a button that seeks the video. One Tab stop:
 * arrow keys move between stamps (Home/End to the ends), Enter or Space seeks.
 */
export function StampTimeline({ stamps, duration, currentTime, onSeek }: Props) {
  const { t } = useI18n();
  const [focusIndex, setFocusIndex] = useState(0);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const span = Math.max(duration, stamps.at(-1)?.t_end_s ?? 0, 1);

  const move = (event: KeyboardEvent, index: number) => {
    let next = index;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = Math.min(stamps.length - 1, index + 1);
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = Math.max(0, index - 1);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = stamps.length - 1;
    else return;
    event.preventDefault();
    setFocusIndex(next);
    buttons.current[next]?.focus();
  };

  if (stamps.length === 0) return <Typography sx={{ color: "text.secondary" }}>{t("report.noStamps")}</Typography>;

  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={2} sx={{ flexWrap: "wrap" }} aria-hidden>
        {LANES.map((lane) => (
          <Stack key={lane} direction="row" spacing={0.75} sx={{ alignItems: "center" }}>
            <Box sx={{ width: 12, height: 12, borderRadius: "3px", bgcolor: CATEGORY_COLOURS[lane] }} />
            <Typography variant="body2">{t(`category.${lane}`)}</Typography>
          </Stack>
        ))}
      </Stack>
      <Box sx={{ overflowX: "auto", pb: 1 }}>
        <Box
          role="toolbar"
          aria-label={t("report.timeline")}
          aria-orientation="horizontal"
          sx={{
            position: "relative",
            height: 3 * 40 + 24,
            minWidth: `max(100%, ${Math.ceil(span * PX_PER_SECOND)}px)`,
            bgcolor: tones.surfaceContainer,
            borderRadius: 3,
          }}
        >
          {LANES.map((lane, i) => (
            <Box
              key={lane}
              aria-hidden
              sx={{ position: "absolute", left: 0, right: 0, top: 8 + i * 40 + 19, height: 2, bgcolor: tones.outlineVariant }}
            />
          ))}
          {Array.from({ length: Math.floor(span / 10) + 1 }, (_, i) => i * 10).map((s) => (
            <Typography
              key={s}
              aria-hidden
              variant="caption"
              sx={{
                position: "absolute",
                bottom: 2,
                left: s === 0 ? 4 : `${(s / span) * 100}%`,
                transform: s === 0 ? "none" : "translateX(-50%)",
                color: "text.secondary",
              }}
            >
              {formatTime(s, 0)}
            </Typography>
          ))}
          <Box
            aria-hidden
            data-testid="playhead"
            sx={{ position: "absolute", top: 0, bottom: 18, width: 2, bgcolor: "text.primary", left: `${(currentTime / span) * 100}%` }}
          />
          {stamps.map((stamp, index) => {
            const lane = LANES.indexOf(stamp.category);
            const active = currentTime >= stamp.t_start_s - 0.05 && currentTime <= stamp.t_end_s + 0.05;
            const label = `${t(`kind.${stamp.kind}`)}, ${formatTime(stamp.t_peak_s)}${
              stamp.peak_speed_mps != null ? `, ${stamp.peak_speed_mps.toFixed(1)} ${t("unit.mps")}` : ""
            }`;
            return (
              <ButtonBase
                key={`${stamp.kind}-${stamp.t_peak_s}-${index}`}
                ref={(el) => {
                  buttons.current[index] = el;
                }}
                tabIndex={index === focusIndex ? 0 : -1}
                aria-label={label}
                aria-current={active ? "true" : undefined}
                title={label}
                data-stamp-index={index}
                onClick={() => {
                  setFocusIndex(index);
                  onSeek(seekTimeOf(stamp));
                }}
                onKeyDown={(e) => move(e, index)}
                onFocus={() => setFocusIndex(index)}
                sx={{
                  // A 44 px wide target (a thumb's width) around the 18 px mark that shows the stamp.
                  position: "absolute",
                  top: 8 + Math.max(0, lane) * 40,
                  left: `calc(${(stamp.t_peak_s / span) * 100}% - 22px)`,
                  width: 44,
                  height: 44,
                  mt: "-2px",
                  zIndex: active ? 1 : 0,
                  "&:hover > span": { opacity: 1, transform: "scaleY(1.08)" },
                  "&.Mui-focusVisible > span": { outline: "3px solid #000", outlineOffset: 2 },
                }}
              >
                <Box
                  component="span"
                  aria-hidden
                  sx={{
                    display: "flex",
                    alignItems: "center",
                    justifyContent: "center",
                    width: 18,
                    height: 40,
                    borderRadius: 1.5,
                    bgcolor: CATEGORY_COLOURS[stamp.category] ?? "grey.600",
                    opacity: active ? 1 : 0.85,
                    border: active ? "3px solid #000" : "2px solid #fff",
                    boxShadow: active ? "0 0 0 3px #ffd54f" : "none",
                    color: "#fff",
                    fontSize: 11,
                    fontWeight: 700,
                  }}
                >
                  {KIND_SHORT[stamp.kind] ?? ""}
                </Box>
              </ButtonBase>
            );
          })}
        </Box>
      </Box>
      <Typography variant="body2" sx={{ color: "text.secondary" }}>
        {t("report.timelineHelp")}
      </Typography>
    </Stack>
  );
}

/** Boxing numbers for punches (1 jab … 6 rear uppercut); letters for the rest. */
const KIND_SHORT: Record<string, string> = {
  jab: "1",
  cross: "2",
  lead_hook: "3",
  rear_hook: "4",
  lead_uppercut: "5",
  rear_uppercut: "6",
  slip: "S",
  duck: "D",
  pull_back: "P",
  guard_drop: "G",
};
