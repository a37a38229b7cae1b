// Types of the public API (kpichain.js). The plan, inputs and result shapes come from the
// core's JSON Schemas (schema-types.d.ts, generated); this file adds the call signatures, the
// row formats the binding accepts, explanations and errors.

import type {
  Assignment,
  Code,
  BadRecordPolicy,
  DecimalInput,
  DecimalString,
  DeriveReport,
  Direction,
  Evaluation,
  Field,
  ItemStatus,
  Measure,
  Plan,
  PlanDiff,
  PlanVersions,
  RoundingMode,
  SpanRule,
  SubjectResult,
  TargetOverride,
  Unit,
  UtcOffset,
  Warning,
} from './schema-types'

export * from './schema-types'

// ---- inputs ----------------------------------------------------------------------------------

/**
 * A value coming from JavaScript. Numbers are taken by their shortest round-trip representation
 * (`0.1` is exactly 0.1), decimal strings exactly, BigInts exactly, and objects with `toJSON`
 * (decimal.js, Prisma `Decimal`) by their JSON string. NaN, ±Infinity, booleans, non-numeric
 * strings and values beyond the decimal range (28 significant digits, magnitude below 7.9e28) are rejected
 * with an error naming the subject and indicator.
 */
export type ValueInput = DecimalInput | bigint | { toJSON(): string }

/** A long-format actual: one row per subject and indicator. */
export interface LongRow {
  subject: string
  indicator: string
  value: ValueInput
}

/**
 * A wide-format row: one row per subject, one key per indicator id. `null`/`undefined` cells
 * mean "no actual". A row with an `indicator` key is read as long format, so an indicator
 * named `indicator` can only be given in long format.
 */
export interface WideRow {
  subject: string
  indicator?: never
  [indicator: string]: ValueInput | null | undefined
}

/**
 * One value of a record. Strings are parsed by the field's declared kind (decimal text,
 * `2022-03-01 09:30` in the plan's time zone or RFC 3339, `YYYY-MM-DD`, `true`/`false`);
 * numbers by their shortest round-trip representation; a `Date` is an instant (a timestamp
 * field) or, in a date field, its calendar day in the plan's time zone. `null`/`undefined` is
 * a missing value. NaN, ±Infinity and an invalid Date are bad values: the record is refused
 * (an error naming `records.SET[i].FIELD`) or, with the plan's `bad_records: "skip"`,
 * skipped and counted in `derivation`.
 */
export type RecordValue = string | number | boolean | bigint | Date | null | undefined | { toJSON(): string }

/** One record: its fields by name, as the plan's `records` declares them. */
export interface RecordRow {
  [field: string]: RecordValue
}

/** What a scoring call takes: the core's `Inputs`, with long and/or wide actual rows. */
export interface ScoreInputs {
  /** The period being assessed, e.g. `2022-03` (carried into results). */
  period?: string | null
  /** Who is assessed and in which role (with `manager` for roles linked with `scope: team`). */
  assignments: Assignment[]
  /** Measured values: long rows, wide rows, or a mix. */
  actuals?: Array<LongRow | WideRow>
  /** Per-subject targets replacing the plan's. */
  targets?: TargetOverride[]
  /** The org units (company → region → department → team). */
  units?: Unit[]
  /**
   * Raw business records by record set name (as the plan's `records` declares them);
   * indicators with a `measure` are derived from them for `period`.
   */
  records?: { [recordSet: string]: RecordRow[] }
}

export interface ScoreOptions {
  /** Attach an `explanation` (structured, with `text`) to every subject result. */
  explain?: boolean
}

// ---- batches ---------------------------------------------------------------------------------

/** A column of values: an array, or a typed array of numbers (`Float64Array`, `Int32Array`, …). */
export type Column<T> = ArrayLike<T> | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array

/** A subject id: text or a whole number. */
export type SubjectId = string | number | bigint

/**
 * A batch as columns, aligned by position with `subjects`: position `i` of every column is
 * assignment `i` (and its wide actuals row `i`). `null`/`undefined` is no value (no actual, no
 * bonus base). Values are read as `score` reads them — the same codes and paths for a bad
 * value: a bad actual at position 12 of `actuals.revenue` is `actuals[12].revenue`, a bad
 * bonus base `assignments[12].bonus_base`.
 */
export interface ColumnBatch {
  /** The period being assessed (required with plan versions). */
  period?: string | null
  /** One subject per position. */
  subjects: Column<SubjectId | null | undefined>
  /** Each subject's role id. */
  roles: Column<string | null | undefined>
  /** Display names. */
  names?: Column<string | null | undefined>
  /** Each subject's org unit. */
  units?: Column<string | null | undefined>
  regions?: Column<string | null | undefined>
  /** The subject's manager (for roles linked with `scope: team`). */
  managers?: Column<SubjectId | null | undefined>
  /** Bonus bases (payout = bonus base × the grade's coefficient). */
  bonusBases?: Column<ValueInput | null | undefined>
  /** Other assignment attributes, by name. */
  attributes?: { [name: string]: Column<string | number | null | undefined> }
  /** Actuals: one column per indicator id. */
  actuals?: { [indicator: string]: Column<ValueInput | null | undefined> }
  /** Per-subject targets replacing the plan's, as rows. */
  targets?: TargetOverride[]
  /** The org units (company → region → department → team), as rows (`units` of `score`). */
  orgUnits?: Unit[]
  /** Raw business records by record set name, as for `score`. */
  records?: { [recordSet: string]: RecordRow[] }
}

/** A batch as rows, in the shapes `score` takes. */
export type RowBatch = ScoreInputs

/** What `scoreBatch` and `scoreBatchAsync` take. */
export type Batch = ColumnBatch | RowBatch

/**
 * A scored batch, held in native memory. Read whole columns (JavaScript arrays aligned with
 * the batch's positions: position `i` is assignment `i`), or one subject's result. Every
 * number is an exact decimal string written as `score` writes it (`"87.50"`, never a float);
 * a missing value is `null`. Column methods take an optional range `[from, to)` of positions.
 */
export declare class BatchResult implements Iterable<SubjectResult> {
  private constructor()
  /** How many results (one per assignment). */
  readonly length: number
  readonly planId: string
  readonly planVersion: string
  readonly planFingerprint: string
  readonly period: string | null

  subjects(from?: number, to?: number): string[]
  roles(from?: number, to?: number): string[]
  names(from?: number, to?: number): Array<string | null>
  units(from?: number, to?: number): Array<string | null>
  regions(from?: number, to?: number): Array<string | null>
  /** The scorecard variant applied (by region or unit), `null` where none. */
  variants(from?: number, to?: number): Array<string | null>
  /** Final totals, at the plan's total scale. */
  totals(from?: number, to?: number): DecimalString[]
  /** Totals before rounding and vetoes. */
  totalsUnrounded(from?: number, to?: number): DecimalString[]
  grades(from?: number, to?: number): string[]
  coefficients(from?: number, to?: number): DecimalString[]
  /** Payouts; `null` where no bonus base was given. */
  payouts(from?: number, to?: number): Array<DecimalString | null>
  /** How many warnings each result carries. */
  warningCounts(from?: number, to?: number): number[]
  /** One item's score (by item id, else indicator id); `null` where the scorecard has no such item. */
  itemScores(item: string, from?: number, to?: number): Array<DecimalString | null>
  /** One item's weighted score (score × effective weight ÷ 100). */
  itemWeighted(item: string, from?: number, to?: number): Array<DecimalString | null>
  /** One item's achievement percentage; `null` where undefined or no such item. */
  itemAchievements(item: string, from?: number, to?: number): Array<DecimalString | null>
  /** How one item was treated; `null` where no such item. */
  itemStatuses(item: string, from?: number, to?: number): Array<ItemStatus | null>

  /** Result `i`, the object `score` gives for that subject (`RangeError` out of range). */
  get(i: number): SubjectResult
  /** The explanation of result `i`, as `score(inputs, { explain: true })` gives it. */
  explain(i: number): Explanation
  /** Result `i` (as `get`). */
  toJSON(i: number): SubjectResult
  /** The whole evaluation, the object `score` returns (builds every result: for small batches). */
  toJSON(): Evaluation
  [Symbol.iterator](): Iterator<SubjectResult>
}

// ---- explanations ----------------------------------------------------------------------------

/** One item, explained with the plan's own names. */
export interface ExplainedItem {
  item: string
  indicator: string
  indicator_name: string
  unit: string | null
  direction: Direction
  /** The rule in words, with its parameters. */
  rule: string
  status: ItemStatus
  actual: DecimalString | null
  target: DecimalString | null
  threshold: DecimalString | null
  /** Where the actual came from, when not from the subject itself (a unit, subject or role). */
  source?: string
  stretch: DecimalString | null
  achievement: DecimalString | null
  raw_score: DecimalString
  score: DecimalString
  weight: DecimalString
  effective_weight: DecimalString
  weighted: DecimalString
}

/** One adjustment (加减分项), explained. */
export interface ExplainedAdjustment {
  id: string
  name: string
  actual: DecimalString
  points_per_unit: DecimalString
  raw_points: DecimalString
  points: DecimalString
  min: DecimalString | null
  max: DecimalString | null
  capped: boolean
}

/** A veto (一票否决) that fired, explained. */
export interface ExplainedVeto {
  id: string
  name: string
  condition: string
  force_grade: string | null
  force_total: DecimalString | null
}

/** Everything needed to retrace one subject's result, for an HR dispute. */
export interface Explanation {
  subject: string
  name: string | null
  role: string
  /** The role's name (the variant's name when a variant applied). */
  role_name: string
  /** The variant of the role's scorecard applied, if any. */
  variant?: string
  plan_id: string
  plan_version: string
  plan_fingerprint: string
  /** The period assessed (from the inputs), when one was given. */
  period?: string
  rounding_mode: RoundingMode
  item_scale: number
  total_scale: number
  items: ExplainedItem[]
  adjustments: ExplainedAdjustment[]
  vetoes: ExplainedVeto[]
  total_unrounded: DecimalString
  total: DecimalString
  grade: string
  grade_label: string | null
  coefficient: DecimalString
  payout: DecimalString | null
  warnings: Warning[]
  /**
   * For a period scored pro rata across plan versions: each version's part, explained (the
   * top level then has no items; `text` walks through each part and the day-weighted total).
   */
  segments?: ExplainedSegment[]
  /** The same explanation as text for an HR user, with the plan's names. */
  text: string
}

/** One plan version's part of a pro-rata result, explained. */
export interface ExplainedSegment {
  /** The version label. */
  version: string
  /** First day. */
  from: string
  /** Last day (inclusive). */
  to: string
  /** Days, the part's weight in the total. */
  days: number
  /** The result under this version, explained. */
  explanation: Explanation
}

export interface ExplainedSubjectResult extends SubjectResult {
  explanation: Explanation
}

export interface ExplainedEvaluation extends Omit<Evaluation, 'results'> {
  results: ExplainedSubjectResult[]
}

// ---- errors ----------------------------------------------------------------------------------

/** `error.code` of every error kpichain throws. */
export type ErrorCode = 'KPI_PLAN_INVALID' | 'KPI_INPUT_INVALID' | 'KPI_IO_ERROR' | 'KPI_PANIC' | 'KPI_INTERNAL'

export declare const ErrorCode: {
  readonly PLAN_INVALID: 'KPI_PLAN_INVALID'
  readonly INPUT_INVALID: 'KPI_INPUT_INVALID'
  readonly IO_ERROR: 'KPI_IO_ERROR'
  readonly PANIC: 'KPI_PANIC'
  readonly INTERNAL: 'KPI_INTERNAL'
}

/** One problem: a stable `code`, where it is (`roles[2].items[1].weight`), and a sentence. */
export interface Issue {
  /** A code of kpichain's catalogue, e.g. `weights_do_not_sum` (see `Code`). */
  code: Code
  /** Where the problem is, e.g. `roles[2].items[1].weight`; empty for the whole document. */
  path: string
  /** The path's segments: field names and list positions, e.g. `['roles', 2, 'items', 1, 'weight']`. */
  loc: (string | number)[]
  /** One sentence. */
  message: string
  /** Where the row came from, in the caller's terms (a file and line, a table and row). */
  origin?: { source: string; line?: number; row?: number; column?: string }
}

/** The errors kpichain throws: an `Error` with a `code` and every problem in `errors`. */
export interface KpichainError extends Error {
  code: ErrorCode
  errors: Issue[]
}

export declare function isKpichainError(value: unknown): value is KpichainError

// ---- plans -----------------------------------------------------------------------------------

/**
 * A plan as an object, or as JSON or TOML text (UTF-8 bytes are accepted too); `compile` also
 * takes the path of a plan file (a string that neither starts with `{` nor has a line break,
 * ending in `.json` or `.toml`).
 */
export type PlanSource = Plan | string | Uint8Array

export interface PlanOptions {
  /** Format of text sources; by default JSON when the text starts with `{`, else TOML. */
  format?: 'json' | 'toml'
}

/** Every problem of a plan; an empty array when it is valid. Never throws for a bad plan. */
export declare function validate(source: PlanSource, options?: PlanOptions): Issue[]

/** Every problem of a plan file; throws `KPI_IO_ERROR` when the file cannot be read. */
export declare function validateFile(path: string): Issue[]

/**
 * Compiles a plan (an object, its text, or a plan file's path); throws a `KpichainError`
 * (`KPI_PLAN_INVALID`) listing every problem, or `KPI_IO_ERROR` when a file cannot be read.
 */
export declare function compile(source: PlanSource, options?: PlanOptions): CompiledPlan

/** Reads and compiles a plan file (`.json` or `.toml`). */
export declare function compileFile(path: string): CompiledPlan

/** Reads and compiles a plan file (`.json` or `.toml`), as Python's `load_plan` does; the same as `compileFile`. */
export declare function loadPlan(path: string): CompiledPlan

/** A validated, compiled plan: immutable, cheap to share, safe to score concurrently. */
export declare class CompiledPlan {
  private constructor()
  static fromObject(plan: Plan): CompiledPlan
  static fromJson(text: string): CompiledPlan
  static fromToml(text: string): CompiledPlan
  static fromText(text: string): CompiledPlan
  static fromFile(path: string): CompiledPlan

  readonly id: string
  readonly version: string
  /** `sha256:` + hex digest of the plan's canonical JSON; every result carries it. */
  readonly fingerprint: string

  /** The plan in canonical form (decimals as strings). */
  toObject(): Plan
  toJSON(): Plan

  /**
   * Scores a batch on the calling thread (small inputs). Inputs may also be given as JSON text
   * in the same shape. Throws `KPI_INPUT_INVALID` listing every problem; there are no partial
   * results.
   */
  score(inputs: ScoreInputs | string, options: ScoreOptions & { explain: true }): ExplainedEvaluation
  score(inputs: ScoreInputs | string, options?: ScoreOptions): Evaluation

  /** Scores a batch on the libuv thread pool; the event loop stays free meanwhile. */
  scoreAsync(inputs: ScoreInputs | string, options: ScoreOptions & { explain: true }): Promise<ExplainedEvaluation>
  scoreAsync(inputs: ScoreInputs | string, options?: ScoreOptions): Promise<Evaluation>

  /**
   * Like `score`, but returns the evaluation as JSON text (the same shape) without building
   * JavaScript objects: for services that send the result on.
   */
  scoreJson(inputs: ScoreInputs | string, options?: ScoreOptions): string

  /** Like `scoreAsync`, resolving to the evaluation as JSON text. */
  scoreJsonAsync(inputs: ScoreInputs | string, options?: ScoreOptions): Promise<string>

  /**
   * Scores a batch given as columns or rows without JSON text, on the calling thread; any
   * size (a million subjects in one call). Throws `KPI_INPUT_INVALID` as `score` does (the
   * same codes and paths), a `TypeError` when the batch is not one (a column of another
   * length than `subjects`, an unknown key).
   */
  scoreBatch(batch: Batch): BatchResult
  /**
   * Like `scoreBatch`, without holding the event loop: the values are copied in slices of a
   * few milliseconds with a turn of the event loop between them, then read and scored on the
   * libuv thread pool. Do not change the batch's arrays until the promise settles.
   */
  scoreBatchAsync(batch: Batch): Promise<BatchResult>

  /** Scores the batch and explains every subject, or only `subject`. */
  explain(inputs: ScoreInputs | string, subject?: string): Explanation[]
}

// ---- plan versions ---------------------------------------------------------------------------

/** Plan versions as an object, or as JSON text (UTF-8 bytes are accepted too). */
export type VersionsSource = PlanVersions | string | Uint8Array

/** What a versioned scoring call takes: the inputs, with the period (it chooses the versions). */
export interface VersionsScoreInputs extends ScoreInputs {
  /** The period being assessed, e.g. `2022-03`, `2022-Q1` or `2022`. */
  period: string
}

/** One version of a `CompiledVersions`. */
export interface VersionEntry {
  /** First day (`YYYY-MM-DD`) the version is in force. */
  readonly effective_from: string
  /** The version label (its plan's `version`). */
  readonly version: string
  /** The version's plan fingerprint. */
  readonly fingerprint: string
  /** The version as a standalone compiled plan. */
  readonly plan: CompiledPlan
}

/**
 * Compiles a plan with effective-dated versions; throws `KPI_PLAN_INVALID` listing every problem
 * of every version (paths like `versions[1].plan.roles[0].items`).
 */
export declare function compileVersions(source: VersionsSource): CompiledVersions

/**
 * Reads and compiles a versions file, whose versions' `plan` may be paths of plan files (JSON or
 * TOML) relative to it; throws `KPI_IO_ERROR` when a file cannot be read.
 */
export declare function loadVersions(path: string): CompiledVersions

/**
 * A validated plan with effective-dated versions (方案版本): a period is scored with the version
 * in force on its first day, or pro rata by days across a change (`span: "pro_rata"`).
 */
export declare class CompiledVersions {
  private constructor()

  readonly id: string
  readonly name: string | null
  readonly span: SpanRule
  /** `sha256:` + hex digest of the whole document's canonical JSON. */
  readonly fingerprint: string
  /** The versions, in order. */
  readonly versions: VersionEntry[]

  /** The version labelled `label`; throws a `RangeError` when there is none. */
  version(label: string): CompiledPlan
  /** The version in force on `day` (`YYYY-MM-DD`), or `null`. */
  inForce(day: string): CompiledPlan | null
  /** What changed from version `before` to version `after` (labels; `RangeError` when unknown). */
  diff(before: string, after: string): PlanDiff
  /** The same diff as text for an HR user. */
  diffText(before: string, after: string): string

  /** The document in canonical form (every plan inline, decimals as strings). */
  toObject(): PlanVersions
  toJSON(): PlanVersions

  /**
   * Scores a batch with the version(s) in force for `inputs.period`; results name them in
   * `versions`, and a subject scored pro rata has its `segments`. Throws `KPI_INPUT_INVALID`
   * (`missing_period`, `no_version_in_force`, …) listing every problem.
   */
  score(inputs: VersionsScoreInputs | string, options: ScoreOptions & { explain: true }): ExplainedEvaluation
  score(inputs: VersionsScoreInputs | string, options?: ScoreOptions): Evaluation
  scoreAsync(inputs: VersionsScoreInputs | string, options: ScoreOptions & { explain: true }): Promise<ExplainedEvaluation>
  scoreAsync(inputs: VersionsScoreInputs | string, options?: ScoreOptions): Promise<Evaluation>
  scoreJson(inputs: VersionsScoreInputs | string, options?: ScoreOptions): string
  scoreJsonAsync(inputs: VersionsScoreInputs | string, options?: ScoreOptions): Promise<string>
  /** `scoreBatch` of `CompiledPlan`, with the version(s) in force for the batch's `period` (required). */
  scoreBatch(batch: Batch): BatchResult
  /** `scoreBatchAsync` of `CompiledPlan`, with the version(s) in force for the batch's `period`. */
  scoreBatchAsync(batch: Batch): Promise<BatchResult>
  /** Scores the batch and explains every subject, or only `subject`. */
  explain(inputs: VersionsScoreInputs | string, subject?: string): Explanation[]
}

// ---- plan diffs ------------------------------------------------------------------------------

/** A plan to compare: compiled, or anything `compile` reads (it is read, not compiled). */
export type DiffSource = CompiledPlan | PlanSource

/**
 * What changed from plan `before` to plan `after`, matched by identity; the plans need not
 * compile. Throws `KPI_PLAN_INVALID` when a plan cannot be read.
 */
export declare function diff(before: DiffSource, after: DiffSource): PlanDiff

/** The same diff as text for an HR user: a header line and one line per change. */
export declare function diffText(before: DiffSource, after: DiffSource): string

// ---- measures --------------------------------------------------------------------------------

/** A record set given as text rows (cells in field order; `""` or `null` is empty). */
export interface RowSet {
  fields: Field[]
  rows: Array<Array<string | null>>
  /** A file name: row `i` is labelled `SOURCE:<i + 2>`. */
  source?: string
  /** The time zone local timestamps were read in, when not the request's. */
  time_zone?: UtcOffset
}

/** One measure definition: the indicator and how its actual is derived. */
export interface MeasureDef {
  indicator: string
  measure: Measure
}

/** A derivation: record sets as text rows, measures, a period and a time zone. */
export interface DeriveRequest {
  time_zone: UtcOffset
  /** `2022-03`, `2022-Q1` or `2022`. */
  period: string
  /** What bad records do; default `error`. */
  bad_records?: BadRecordPolicy
  /** Derive exactly these subjects, in this order. */
  subjects?: string[]
  records: { [recordSet: string]: RowSet }
  measures: MeasureDef[]
}

/** One derived actual. */
export interface DerivedActual {
  subject: string
  indicator: string
  value: DecimalString
}

/** What `deriveActuals` returns: the actuals, in measure then subject order, and the report. */
export interface Derived {
  actuals: DerivedActual[]
  report: DeriveReport
}

/** Derives actuals from records; throws `KPI_INPUT_INVALID` listing every problem. */
export declare function deriveActuals(request: DeriveRequest | string): Derived

// ---- schemas ---------------------------------------------------------------------------------

/** A JSON Schema document (draft 2020-12). */
export type JsonSchema = { [keyword: string]: unknown }

/** The JSON Schema of the plan format (decimals: number or decimal string). */
export declare function planSchema(): JsonSchema
/** The JSON Schema of evaluation inputs (long-format actuals). */
export declare function inputsSchema(): JsonSchema
/** The JSON Schema of evaluation results (decimals are strings). */
export declare function resultSchema(): JsonSchema
/** The JSON Schema of a plan with effective-dated versions. */
export declare function versionsSchema(): JsonSchema
/** The JSON Schema of a plan diff. */
export declare function diffSchema(): JsonSchema
