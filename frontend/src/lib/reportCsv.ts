// The report as a CSV a spreadsheet opens: every stamp (one row each), then the metrics (one row per figure).
import type { Report } from "../api/types";

function cell(value: unknown): string {
  if (value == null) return "";
  if (typeof value === "number") return String(Math.round(value * 1000) / 1000); // negatives stay numbers
  const text = String(value);
  return /[",\n\r]/.test(text) || /^[=+\-@]/.test(text) ? `"${text.replace(/"/g, '""').replace(/^([=+\-@])/, "'$1")}"` : text;
}

function row(values: unknown[]): string {
  return values.map(cell).join(",");
}

/** Flattens nested metrics into `path,value` rows (`combinations.total`, `rounds.1.strikes`, ...). */
function flatten(prefix: string, value: unknown, out: [string, unknown][]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(`${prefix}.${i + 1}`, item, out));
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) flatten(prefix ? `${prefix}.${key}` : key, inner, out);
  } else {
    out.push([prefix, value]);
  }
}

export function reportCsv(report: Report, coachMinConfidence: number): string {
  const lines = [
    row(["section", "t_start_s", "t_peak_s", "t_end_s", "kind", "category", "hand", "side", "peak_speed_mps", "confidence", "counted"]),
    ...report.stamps.map((s) =>
      row([
        "stamp",
        s.t_start_s,
        s.t_peak_s,
        s.t_end_s,
        s.kind,
        s.category,
        s.hand,
        s.side,
        s.peak_speed_mps,
        s.confidence,
        s.category !== "strike" || s.confidence >= coachMinConfidence ? "yes" : "no",
      ]),
    ),
    "",
    row(["section", "metric", "value"]),
  ];
  const metrics: [string, unknown][] = [];
  flatten("", report.metrics, metrics);
  for (const [name, value] of metrics) lines.push(row(["metric", name, value]));
  return `${lines.join("\r\n")}\r\n`;
}

/** Starts a download of `text` as `filename`. */
export function download(filename: string, text: string, type = "text/csv;charset=utf-8"): void {
  // A byte-order mark tells spreadsheets the CSV is UTF-8 (Korean names); JSON must not carry one.
  const parts = type.startsWith("text/csv") ? ["\ufeff", text] : [text];
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
