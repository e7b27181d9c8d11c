import { useState, type FormEvent, type ReactNode } from "react";
import { Box, MenuItem, Stack, TextField } from "@mui/material";
import { useI18n } from "../i18n/I18n";
import type { MessageKey } from "../i18n/strings";
import type { SpecsBody } from "../api/types";

export interface SpecsValues {
  height_cm: string;
  weight_kg: string;
  stance: "orthodox" | "southpaw";
  experience: "beginner" | "intermediate" | "advanced";
}

export type SpecsErrors = Partial<Record<keyof SpecsValues, MessageKey>>;

export const emptySpecs: SpecsValues = { height_cm: "", weight_kg: "", stance: "orthodox", experience: "intermediate" };

const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const CM = new RegExp(String.raw`^${NUMBER}\s*(?:cm)?$`, "i");
const FEET_INCHES = new RegExp(String.raw`^(\d+)\s*(?:'|’|ft|feet)\s*(?:${NUMBER}\s*(?:"|”|''|in|inch|inches)?)?$`, "i");
const KG = new RegExp(String.raw`^${NUMBER}\s*(?:kg)?$`, "i");
const POUNDS = new RegExp(String.raw`^${NUMBER}\s*(?:lb|lbs|pounds?)$`, "i");

/** "175,5" (a phone's decimal comma) -> 175.5. */
function decimal(text: string): number {
  return Number(text.replace(",", "."));
}

/** Height in cm from "178", "178.5", "178,5", "178 cm", "5'10\"", "5 ft 10 in", "6'"; NaN when unreadable. */
export function heightCm(text: string): number {
  const value = text.trim();
  const cm = CM.exec(value);
  if (cm) return decimal(cm[1]);
  const imperial = FEET_INCHES.exec(value);
  if (imperial) return Math.round((Number(imperial[1]) * 30.48 + (imperial[2] ? decimal(imperial[2]) : 0) * 2.54) * 10) / 10;
  return Number.NaN;
}

/** Weight in kg from "70", "70,5", "70 kg", "154 lb"; NaN when unreadable. */
export function weightKg(text: string): number {
  const value = text.trim();
  const kg = KG.exec(value);
  if (kg) return decimal(kg[1]);
  const pounds = POUNDS.exec(value);
  if (pounds) return Math.round(decimal(pounds[1]) * 0.45359237 * 10) / 10;
  return Number.NaN;
}

/** The same rules as the server (100–250 cm, 30–200 kg or empty), as message keys per wrong field. */
export function validateSpecs(values: SpecsValues): SpecsErrors {
  const errors: SpecsErrors = {};
  const height = values.height_cm.trim();
  if (!height) errors.height_cm = "specs.err.heightRequired";
  else if (!Number.isFinite(heightCm(height))) errors.height_cm = "specs.err.number";
  else if (heightCm(height) < 100 || heightCm(height) > 250) errors.height_cm = "specs.err.height";
  const weight = values.weight_kg.trim();
  if (weight) {
    if (!Number.isFinite(weightKg(weight))) errors.weight_kg = "specs.err.number";
    else if (weightKg(weight) < 30 || weightKg(weight) > 200) errors.weight_kg = "specs.err.weight";
  }
  return errors;
}

/** The JSON body for PUT /analyses/{id}/specs (metric: feet and inches, pounds and decimal commas converted). */
export function specsBody(values: SpecsValues, language: string): SpecsBody {
  return {
    height_cm: heightCm(values.height_cm),
    weight_kg: values.weight_kg.trim() ? weightKg(values.weight_kg) : null,
    stance: values.stance,
    experience: values.experience,
    language,
  };
}

interface Props {
  initial?: SpecsValues;
  /** Field messages from the server's 422 (already in words). */
  serverErrors?: Record<string, string>;
  onSubmit: (values: SpecsValues) => void;
  children?: ReactNode;
  id?: string;
}

/** Height, weight, stance, experience with inline validation (on blur, then live; all fields on submit). */
export function SpecsForm({ initial = emptySpecs, serverErrors = {}, onSubmit, children, id = "specs-form" }: Props) {
  const { t } = useI18n();
  const [values, setValues] = useState<SpecsValues>(initial);
  const [touched, setTouched] = useState<Partial<Record<keyof SpecsValues, boolean>>>({});
  const errors = validateSpecs(values);
  const show = (field: keyof SpecsValues): string | undefined =>
    touched[field] && errors[field] ? t(errors[field]!) : serverErrors[field];
  const set = (field: keyof SpecsValues) => (event: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: event.target.value }));
  const blur = (field: keyof SpecsValues) => () => setTouched((s) => ({ ...s, [field]: true }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched({ height_cm: true, weight_kg: true, stance: true, experience: true });
    if (Object.keys(errors).length > 0) {
      const first = Object.keys(errors)[0];
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    onSubmit(values);
  };
  return (
    <Box component="form" id={id} noValidate onSubmit={submit} aria-label={t("configure.specs")}>
      <Stack spacing={2}>
        <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr" }, gap: 2 }}>
          <TextField
            id={`${id}-height_cm`}
            label={t("specs.height")}
            value={values.height_cm}
            onChange={set("height_cm")}
            onBlur={blur("height_cm")}
            required
            error={Boolean(show("height_cm"))}
            helperText={show("height_cm") ?? t("specs.heightHint")}
            slotProps={{ htmlInput: { inputMode: "decimal", "aria-describedby": `${id}-height_cm-helper-text` } }}
          />
          <TextField
            id={`${id}-weight_kg`}
            label={t("specs.weight")}
            value={values.weight_kg}
            onChange={set("weight_kg")}
            onBlur={blur("weight_kg")}
            error={Boolean(show("weight_kg"))}
            helperText={show("weight_kg") ?? t("specs.weightHint")}
            slotProps={{ htmlInput: { inputMode: "decimal" } }}
          />
          <TextField
            id={`${id}-stance`}
            select
            label={t("specs.stance")}
            value={values.stance}
            onChange={set("stance")}
            helperText={serverErrors.stance ?? " "}
            error={Boolean(serverErrors.stance)}
          >
            <MenuItem value="orthodox">{t("specs.orthodox")}</MenuItem>
            <MenuItem value="southpaw">{t("specs.southpaw")}</MenuItem>
          </TextField>
          <TextField
            id={`${id}-experience`}
            select
            label={t("specs.experience")}
            value={values.experience}
            onChange={set("experience")}
            helperText={serverErrors.experience ?? " "}
            error={Boolean(serverErrors.experience)}
          >
            <MenuItem value="beginner">{t("specs.beginner")}</MenuItem>
            <MenuItem value="intermediate">{t("specs.intermediate")}</MenuItem>
            <MenuItem value="advanced">{t("specs.advanced")}</MenuItem>
          </TextField>
        </Box>
        {children}
      </Stack>
    </Box>
  );
}
