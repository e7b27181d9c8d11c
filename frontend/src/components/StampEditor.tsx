import { Button, MenuItem, Stack, TextField, Typography } from "@mui/material";
import type { StampKind } from "../api/types";
import { useI18n } from "../i18n/I18n";
import { addedAt, EDITABLE_KINDS, retyped, sortDraft, type DraftStamp } from "../lib/corrections";
import { formatTime } from "../lib/format";

interface Props {
  draft: DraftStamp[];
  initial: DraftStamp[];
  onChange: (draft: DraftStamp[]) => void;
  /** The stamp being checked (the stepper's), an index into ``draft``; -1 for none. */
  selected: number;
  currentTime: number;
  onSave: () => void;
  onCancel: () => void;
  busy: boolean;
}

/** What the boxer changed against the stamps they started from. */
export function changesOf(initial: DraftStamp[], draft: DraftStamp[]): number {
  const before = new Map(initial.filter((d) => d.detected != null).map((d) => [d.detected, d.stamp]));
  const kept = draft.filter((d) => d.detected != null && before.has(d.detected));
  const retypedCount = kept.filter((d) => {
    const b = before.get(d.detected)!;
    return b.kind !== d.stamp.kind || b.hand !== d.stamp.hand || b.side !== d.stamp.side;
  }).length;
  const added = draft.filter((d) => d.detected == null).length - initial.filter((d) => d.detected == null).length;
  return before.size - kept.length + retypedCount + Math.max(0, added);
}

/** Delete the current stamp, change its kind or hand, or add a missed one at the video's time. */
export function StampEditor({ draft, initial, onChange, selected, currentTime, onSave, onCancel, busy }: Props) {
  const { t } = useI18n();
  const current = selected >= 0 ? draft[selected] : undefined;
  const replace = (next: DraftStamp) => onChange(sortDraft(draft.map((d, i) => (i === selected ? next : d))));
  const changes = changesOf(initial, draft);
  return (
    <Stack spacing={1.5} sx={{ p: 1.5, mb: 2, border: 2, borderColor: "primary.main", borderRadius: 3 }} aria-label={t("edit.title")} role="group">
      <Typography sx={{ fontWeight: 700 }}>{t("edit.title")}</Typography>
      {current ? (
        <Stack direction={{ xs: "column", sm: "row" }} spacing={1} sx={{ alignItems: { sm: "center" } }}>
          <Typography sx={{ minWidth: 90 }}>{formatTime(current.stamp.t_peak_s)}</Typography>
          <TextField
            select
            size="small"
            label={t("edit.kind")}
            value={current.stamp.kind}
            onChange={(e) => replace({ ...current, stamp: retyped(current.stamp, e.target.value as StampKind) })}
            sx={{ minWidth: 160 }}
          >
            {EDITABLE_KINDS.map((kind) => (
              <MenuItem key={kind} value={kind}>
                {t(`kind.${kind}`)}
              </MenuItem>
            ))}
          </TextField>
          {current.stamp.category !== "defense" && (
            <TextField
              select
              size="small"
              label={t("edit.hand")}
              value={current.stamp.hand}
              onChange={(e) => replace({ ...current, stamp: { ...current.stamp, hand: e.target.value as "lead" | "rear" } })}
              sx={{ minWidth: 120 }}
            >
              <MenuItem value="lead">{t("edit.lead")}</MenuItem>
              <MenuItem value="rear">{t("edit.rear")}</MenuItem>
            </TextField>
          )}
          {current.stamp.kind === "slip" && (
            <TextField
              select
              size="small"
              label={t("edit.side")}
              value={current.stamp.side ?? "left"}
              onChange={(e) => replace({ ...current, stamp: { ...current.stamp, side: e.target.value as "left" | "right" } })}
              sx={{ minWidth: 120 }}
            >
              <MenuItem value="left">{t("edit.left")}</MenuItem>
              <MenuItem value="right">{t("edit.right")}</MenuItem>
            </TextField>
          )}
          <Button color="error" variant="outlined" sx={{ minHeight: 44 }} onClick={() => onChange(draft.filter((_, i) => i !== selected))}>
            {t("edit.delete")}
          </Button>
        </Stack>
      ) : (
        <Typography sx={{ color: "text.secondary" }}>{t("edit.pick")}</Typography>
      )}
      <Stack direction="row" spacing={1} sx={{ flexWrap: "wrap", gap: 1, alignItems: "center" }}>
        <Button
          variant="outlined"
          sx={{ minHeight: 44 }}
          onClick={() => onChange(sortDraft([...draft, { detected: null, stamp: addedAt(currentTime) }]))}
        >
          {t("edit.add", { time: formatTime(currentTime) })}
        </Button>
        <Typography role="status" sx={{ flex: 1 }}>
          {t("edit.changes", { count: changes })}
        </Typography>
        <Button onClick={onCancel} sx={{ minHeight: 44 }}>
          {t("edit.cancel")}
        </Button>
        <Button variant="contained" onClick={onSave} disabled={busy || changes === 0} sx={{ minHeight: 44 }}>
          {t("edit.save")}
        </Button>
      </Stack>
    </Stack>
  );
}
