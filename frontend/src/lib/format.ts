/** 75.3 → "1:15.3"; with decimals 0 → "1:15". */
export function formatTime(seconds: number, decimals = 1): string {
  // Rounded first, so 9.96 s reads "0:10.0" (not "0:010.0") and 59.96 s "1:00.0" (not "0:60.0").
  const scale = 10 ** decimals;
  const safe = Math.round(Math.max(0, seconds) * scale) / scale;
  const minutes = Math.floor(safe / 60);
  const rest = safe - minutes * 60;
  const text = rest.toFixed(decimals);
  const padded = rest < 10 ? `0${text}` : text;
  return `${minutes}:${padded}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatPercent(share: number | null | undefined): string {
  return share == null ? "–" : `${Math.round(share * 100)}%`;
}

export function formatNumber(value: number | null | undefined, digits = 1): string {
  return value == null || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

export function formatDate(iso: string, lang: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(lang === "ko" ? "ko-KR" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}
