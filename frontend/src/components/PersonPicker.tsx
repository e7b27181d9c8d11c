import { useState } from "react";
import { Box, ButtonBase, Stack, Typography } from "@mui/material";
import type { Thumbnail } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { formatTime } from "../lib/format";

export interface SubjectPick {
  thumbnail: number;
  box: number;
}

interface Props {
  thumbnails: Thumbnail[];
  value: SubjectPick | null;
  onChange: (pick: SubjectPick) => void;
}

/**
 * A strip of frames and, over the chosen frame, one button per detected person: click, tap, or Tab + Enter/Space
 * to pick yourself. Boxes are positioned in percent of the frame, so they follow any displayed size.
 */
/** Outline colours of the people on a frame, in order (white, yellow, cyan, pink). */
const PERSON_COLOURS = ["rgba(255,255,255,0.95)", "#ffeb3b", "#00e5ff", "#ff80ab"];

export function PersonPicker({ thumbnails, value, onChange }: Props) {
  const { t } = useI18n();
  const firstWithPeople = Math.max(0, thumbnails.findIndex((th) => th.boxes.length > 0));
  const [shown, setShown] = useState<number>(value?.thumbnail ?? firstWithPeople);
  const thumb = thumbnails[shown];
  if (!thumb) return null;
  const time = formatTime(thumb.t_s, 0);
  return (
    <Stack spacing={1.5}>
      <Box
        sx={{
          position: "relative",
          mx: "auto",
          width: "100%",
          maxWidth: `min(100%, calc(60vh * ${thumb.width / thumb.height}))`,
          aspectRatio: `${thumb.width} / ${thumb.height}`,
          bgcolor: "#000",
          borderRadius: 3,
          overflow: "hidden",
        }}
      >
        <Box
          component="img"
          src={thumb.url}
          alt={t("configure.frame", { time })}
          sx={{ position: "absolute", inset: 0, width: "100%", height: "100%", objectFit: "contain" }}
        />
        {thumb.boxes.map((box, j) => {
          const selected = value?.thumbnail === shown && value.box === j;
          return (
            <ButtonBase
              key={j}
              focusRipple
              aria-pressed={selected}
              aria-label={t("configure.person", { n: j + 1, time })}
              onClick={() => onChange({ thumbnail: shown, box: j })}
              sx={{
                position: "absolute",
                left: `${(box.x / thumb.width) * 100}%`,
                top: `${(box.y / thumb.height) * 100}%`,
                width: `${(box.w / thumb.width) * 100}%`,
                height: `${(box.h / thumb.height) * 100}%`,
                // Each person its own colour, smaller boxes above larger ones: two boxers side by side overlap.
                border: selected ? "4px solid #4caf50" : `3px solid ${PERSON_COLOURS[j % PERSON_COLOURS.length]}`,
                zIndex: 1 + (box.w * box.h > 0 ? Math.round(1e6 / (box.w * box.h)) : 0),
                boxShadow: "0 0 0 2px rgba(0,0,0,0.5)",
                borderRadius: 1,
                bgcolor: selected ? "rgba(76,175,80,0.18)" : "transparent",
                alignItems: "flex-start",
                justifyContent: "flex-start",
                "&:hover, &.Mui-focusVisible": { bgcolor: "rgba(255,255,255,0.18)" },
                "&.Mui-focusVisible": { outline: "3px solid #ffeb3b", outlineOffset: 2 },
              }}
            >
              <Box
                component="span"
                sx={{
                  m: 0.5,
                  px: 1,
                  borderRadius: 1,
                  fontWeight: 700,
                  fontSize: 14,
                  bgcolor: selected ? "#4caf50" : "rgba(0,0,0,0.75)",
                  color: selected ? "#fff" : PERSON_COLOURS[j % PERSON_COLOURS.length],
                }}
              >
                {selected ? `✓ ${j + 1}` : j + 1}
              </Box>
            </ButtonBase>
          );
        })}
      </Box>
      {thumb.boxes.length === 0 && (
        <Typography role="status" sx={{ textAlign: "center", color: "text.secondary" }}>
          {t("configure.noPeople")}
        </Typography>
      )}
      <Box
        role="group"
        aria-label={t("configure.frames")}
        sx={{ display: "flex", gap: 1, overflowX: "auto", pb: 1, scrollSnapType: "x mandatory" }}
      >
        {thumbnails.map((th, i) => (
          <ButtonBase
            key={th.index}
            focusRipple
            aria-pressed={i === shown}
            aria-label={t("configure.frame", { time: formatTime(th.t_s, 0) })}
            onClick={() => setShown(i)}
            sx={{
              flex: "0 0 auto",
              height: 88,
              aspectRatio: `${th.width} / ${th.height}`,
              borderRadius: 2,
              overflow: "hidden",
              outline: i === shown ? "3px solid" : "1px solid",
              outlineColor: i === shown ? "primary.main" : "divider",
              outlineOffset: i === shown ? 1 : 0,
              scrollSnapAlign: "start",
              position: "relative",
              bgcolor: "#000",
            }}
          >
            <Box component="img" src={th.url} alt="" sx={{ width: "100%", height: "100%", objectFit: "cover" }} />
            <Box
              component="span"
              aria-hidden
              sx={{ position: "absolute", bottom: 2, right: 2, px: 0.5, fontSize: 11, borderRadius: 1, bgcolor: "rgba(0,0,0,.7)", color: "#fff" }}
            >
              {formatTime(th.t_s, 0)}
              {value?.thumbnail === i ? " ✓" : ""}
            </Box>
          </ButtonBase>
        ))}
      </Box>
    </Stack>
  );
}
