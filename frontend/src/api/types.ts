// Shapes of the API's JSON bodies, derived from the generated OpenAPI schema (schema.d.ts, from the backend's
// TypedDicts in punch_adapters/http/schemas.py), so that a change in the API's answers breaks this build.
// Every request and answer body has its shape in the schema. Hand-written types remain only where the schema is
// deliberately loose: string fields that are really closed sets (narrowed below with Refine, which checks every
// narrowing against the schema) and the report's free-form dicts (metrics, video, quality, body: docs/formats.md).
import type { components } from "./schema";

type Schemas = components["schemas"];

/** A flattened object type (readable in editor tooltips). */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * `Base` with some fields replaced by narrower types. Each field of `R` must exist in `Base` and be assignable
 * to its type there: a field the API renames, drops or retypes fails here rather than at run time.
 */
type Refine<Base, R extends { [K in keyof R]: K extends keyof Base ? Base[K] : never }> = Simplify<
  Omit<Base, keyof R> & R
>;

export type Lang = "en" | "ko";

/** The app's error envelope (errors.ts); the schema documents only the framework's default 400 body. */
export interface ApiErrorBody {
  error: { code: string; message: string; request_id?: string; fields?: Record<string, string> };
}

// --- Sign-in and uploads ---

export type User = Schemas["UserDoc"];
export type UploadDoc = Schemas["UploadDoc"];
export type CompleteDoc = Schemas["CompleteDoc"];

// --- Request bodies (checked by the API against these shapes before its own checks) ---

export type UploadRequestBody = Schemas["UploadRequestBody"];
export type SubjectBody = Schemas["SubjectBody"];
export type SpecsBody = Schemas["SpecsBody"];
export type ShareRequestBody = Schemas["ShareRequestBody"];
export type StampEditBody = Schemas["StampEditBody"];
export type StampsBody = Schemas["StampsBody"];

// --- Analyses ---

export type AnalysisState = "created" | "queued" | "running" | "completed" | "failed";
export type StageName = "thumbnails" | "pose" | "stamps" | "coaching" | "report";

export type StatusDoc = Refine<
  Schemas["StatusDoc"],
  { status: AnalysisState; stage: StageName | null; done_stages: StageName[] }
>;

export type StatusList = Refine<Schemas["StatusList"], { items: StatusDoc[] }>;

export type PersonBox = Schemas["BoxDoc"];
export type Thumbnail = Schemas["ThumbnailDoc"];
export type ThumbnailsDoc = Schemas["ThumbnailsDoc"];

// --- Reports (docs/formats.md) ---

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

export type Stamp = Refine<
  Schemas["StampDoc"],
  {
    kind: StampKind;
    category: StampCategory;
    hand: "lead" | "rear" | "none";
    side: "left" | "right" | null;
  }
>;

export type CoachingPoint = Schemas["CoachingPointDoc"];
export type Drill = Schemas["DrillDoc"];

export type Coaching = Refine<Schemas["CoachingDoc"], { source: "offline" | "llm"; language: Lang }>;

/** The report's `metrics` (a free-form dict in the schema; docs/formats.md lists its fields). */
export type WorkRateBin = { t_start_s: number; strikes: number; seen_s?: number; strikes_per_minute?: number | null };
export type RoundFigures = {
  index: number;
  t_start_s: number;
  t_end_s: number;
  strikes: number;
  strikes_per_minute: number | null;
  mean_hand_speed_mps: number | null;
  guard_discipline: number | null;
};
export type ComboPattern = { pattern: string; count: number; mean_speed_mps?: number | null; t_peak_s?: number[] };

export type Metrics = {
  duration_s: number;
  /** Seconds the boxer was seen (absent in reports made before it). */
  seen_s?: number;
  counts: Partial<Record<StampKind, number>>;
  strikes_total: number;
  strikes_per_minute: number;
  lead_share: number | null;
  rear_share: number | null;
  combinations?: {
    max_gap_s: number;
    total: number;
    strikes_in_combinations_share: number | null;
    patterns: ComboPattern[];
  };
  work_rate: WorkRateBin[];
  /** The video split at rests (absent in reports made before it). */
  rounds?: RoundFigures[];
  mean_hand_speed_mps: number | null;
  peak_hand_speed_mps: number | null;
  mean_return_to_guard_s: number | null;
  guard_discipline: number | null;
  guard_drops: number;
  head_movements_per_minute: number;
  active_time_s: number;
  idle_time_s: number;
  fatigue?: Record<string, number | null>;
};

/** The report's `video` (free-form in the schema: the caller may add keys such as `source`). */
export type ReportVideo = {
  duration_s: number;
  fps: number;
  width: number;
  height: number;
  n_frames: number;
  /** The uploaded file's name (the owner's report only; a shared report leaves it out). */
  source?: string;
};
/** The report's `quality` (free-form in the schema). */
export type ReportQuality = {
  pose_coverage: number;
  mean_px_per_m: number | null;
  warnings: string[];
  /** The confidence the coach and the metrics hold to (absent in reports made before it: every stamp counts). */
  coach_min_confidence?: number;
};
/** The report's `body` (free-form in the schema). */
export type ReportBody = { height_cm: number; weight_kg?: number | null; stance: string; experience: string };

export type Report = Refine<
  Schemas["ReportDoc"],
  {
    video: ReportVideo;
    quality: ReportQuality;
    body: ReportBody;
    stamps: Stamp[];
    metrics: Metrics;
    coaching: Coaching;
    detected_stamps?: Stamp[];
  }
>;

/** One frame's landmark: `[x, y, visibility]`, normalised 0-1. */
export type Landmark = [number, number, number];

export type PoseDoc = Refine<Schemas["PoseDoc"], { landmarks: (Landmark[] | null)[] }>;

// --- Dashboard and sharing ---

export type ReportRow = Schemas["ReportSummaryDoc"];
export type ReportPage = Schemas["ReportList"];

export type ShareLink = Schemas["ShareLinkDoc"];
export type ShareLinkList = Schemas["ShareLinkList"];
