// Shapes of the API's JSON bodies, derived from the generated OpenAPI schema (schema.d.ts, from the backend's
// TypedDicts in punch_adapters/http/schemas.py), so that a change in the API's answers breaks this build.
// Every request and answer body has its shape in the schema. The only hand-written parts narrow string fields that
// are really closed sets (kinds, hands, statuses) with Refine, which checks every narrowing against the schema.
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
export type WorkRateBin = Schemas["WorkRateDoc"];
export type RoundFigures = Schemas["RoundDoc"];
export type ComboPattern = Schemas["PatternDoc"];

/** The report's `metrics` (docs/formats.md), with the counts keyed by stamp kind. */
export type Metrics = Refine<Schemas["MetricsDoc"], { counts: Partial<Record<StampKind, number>> }>;
export type ReportVideo = Schemas["ReportVideoDoc"];
export type ReportQuality = Schemas["QualityDoc"];
export type ReportBody = Schemas["BodyDoc"];

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

export type OverlayState = "none" | "queued" | "rendering" | "ready" | "failed";
/** The video with the skeleton and stamps drawn, made on request (POST, then GET until ready). */
export type OverlayDoc = Refine<Schemas["OverlayDoc"], { status: OverlayState }>;

export type ShareLink = Schemas["ShareLinkDoc"];
export type ShareLinkList = Schemas["ShareLinkList"];
