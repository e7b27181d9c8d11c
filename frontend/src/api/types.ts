// Shapes of the API's JSON bodies. The OpenAPI schema types routes and parameters; the handlers return
// free-form dicts, so their documents are described here (docs/api.md, docs/formats.md).

export type Lang = "en" | "ko";

export interface ApiErrorBody {
  error: { code: string; message: string; request_id?: string; fields?: Record<string, string> };
}

export interface User {
  id: string;
  email: string | null;
  name: string | null;
}

export interface UploadDoc {
  id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  received_offset: number;
  status: string;
  error: string | null;
  chunk_size_hint: number;
  max_chunk_bytes: number;
}

export interface CompleteDoc {
  video_id: string;
  analysis_id: string;
  duration_s: number;
  container: string;
  width: number;
  height: number;
}

export type AnalysisState = "created" | "queued" | "running" | "completed" | "failed";
export type StageName = "thumbnails" | "pose" | "stamps" | "coaching" | "report";

export interface StatusDoc {
  analysis_id: string;
  status: AnalysisState;
  stage: StageName | null;
  percent: number;
  error: string | null;
  done_stages: StageName[];
  video_id: string;
  specs: Record<string, unknown> | null;
  subject: Record<string, unknown> | null;
  language: string | null;
  created_at: string;
  updated_at: string;
}

export interface PersonBox {
  x: number;
  y: number;
  w: number;
  h: number;
  score?: number;
}

export interface Thumbnail {
  index: number;
  t_s: number;
  width: number;
  height: number;
  boxes: PersonBox[];
  url: string;
}

export interface ThumbnailsDoc {
  video: Record<string, unknown>;
  thumbnails: Thumbnail[];
}

export type StampKind =
  | "jab"
  | "cross"
  | "lead_hook"
  | "rear_hook"
  | "lead_uppercut"
  | "rear_uppercut"
  | "slip"
  | "duck"
  | "pull_back"
  | "guard_drop";

export type StampCategory = "strike" | "defense" | "fault";

export interface Stamp {
  kind: StampKind;
  category: StampCategory;
  hand: "lead" | "rear" | "none";
  side: "left" | "right" | null;
  t_start_s: number;
  t_peak_s: number;
  t_end_s: number;
  confidence: number;
  peak_speed_mps: number | null;
  features?: Record<string, number>;
}

export interface CoachingPoint {
  text: string;
  evidence_t_s: number[];
}

export interface Coaching {
  source: "offline" | "llm";
  language: Lang;
  model: string;
  summary: string;
  strengths: CoachingPoint[];
  improvements: CoachingPoint[];
  drills: { name: string; description: string }[];
  next_session_goal: string;
  fallback_reason?: string | null;
}

export interface Metrics {
  duration_s: number;
  counts: Partial<Record<StampKind, number>>;
  strikes_total: number;
  strikes_per_minute: number;
  lead_share: number | null;
  rear_share: number | null;
  combinations?: {
    max_gap_s: number;
    total: number;
    strikes_in_combinations_share: number | null;
    patterns: { pattern: string; count: number }[];
  };
  work_rate: { t_start_s: number; strikes: number }[];
  mean_hand_speed_mps: number | null;
  peak_hand_speed_mps: number | null;
  mean_return_to_guard_s: number | null;
  guard_discipline: number | null;
  guard_drops: number;
  head_movements_per_minute: number;
  active_time_s: number;
  idle_time_s: number;
  fatigue?: Record<string, number | null>;
}

export interface Report {
  schema_version: string;
  analysis_id?: string;
  video: { duration_s: number; fps: number; width: number; height: number; n_frames: number };
  quality: { pose_coverage: number; mean_px_per_m: number | null; warnings: string[] };
  body: { height_cm: number; weight_kg?: number | null; stance: string; experience: string };
  stamps: Stamp[];
  metrics: Metrics;
  coaching: Coaching;
}

export type Landmark = [number, number, number];

export interface PoseDoc {
  fps: number;
  width: number;
  height: number;
  t_s: number[];
  landmarks: (Landmark[] | null)[];
}

export interface ReportRow {
  analysis_id: string;
  created_at: string;
  duration_s: number;
  strikes_total: number;
  strikes_per_minute: number;
  mean_hand_speed_mps: number | null;
  guard_discipline: number | null;
}

export interface ReportPage {
  items: ReportRow[];
  total: number;
  limit: number;
  offset: number;
}

export interface ShareLink {
  hash: string;
  url: string;
  analysis_id: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  active: boolean;
}
