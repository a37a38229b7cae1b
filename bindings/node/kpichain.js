'use strict'
// The public JavaScript API of kpichain: a thin layer over the generated native loader
// (index.js). It turns objects into the core's JSON text and back, checks numbers before
// JSON.stringify can hide them (NaN and ±Infinity would become null), writes Dates in records
// as the core reads them, and holds no scoring logic.

const native = require('./index.js')

const INPUT_INVALID = 'KPI_INPUT_INVALID'
const PLAN_INVALID = 'KPI_PLAN_INVALID'

/** Builds the same error shape the native layer throws: `message` (the core's text), `code`, `errors`. */
function kpichainError(code, errors) {
  const error = new Error(native.__errorMessage(code, errors))
  error.code = code
  error.errors = errors
  return error
}

/** True when `value` is an error thrown by kpichain (it has a `KPI_*` code and an `errors` list). */
function isKpichainError(value) {
  return value instanceof Error && typeof value.code === 'string' && value.code.startsWith('KPI_') && Array.isArray(value.errors)
}

// ---- plans ---------------------------------------------------------------------------------

function planText(source, format) {
  if (typeof source === 'string') return [source, format]
  if (source instanceof Uint8Array) return [Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8'), format]
  if (source !== null && typeof source === 'object' && !Array.isArray(source)) return [toText(source, PLAN_INVALID), 'json']
  throw new TypeError('a plan is an object, JSON or TOML text, or (with compile, compileFile or validateFile) a file path')
}

function formatOf(options) {
  const format = options == null ? undefined : options.format
  if (format !== undefined && format !== 'json' && format !== 'toml') throw new TypeError(`format must be "json" or "toml", got ${String(format)}`)
  return format
}

/** Every problem of a plan (object, JSON text or TOML text); `[]` when it is valid. */
function validate(source, options) {
  let text, format
  try {
    ;[text, format] = planText(source, formatOf(options))
  } catch (error) {
    // A plan that cannot even be written as JSON (it contains itself, or nests too deep).
    if (isKpichainError(error)) return error.errors
    throw error
  }
  return JSON.parse(native.validatePlan(text, format))
}

/** Every problem of a plan file; `[]` when it is valid. Throws `KPI_IO_ERROR` when unreadable. */
function validateFile(path) {
  return JSON.parse(native.validatePlanFile(String(path)))
}

/**
 * Compiles a plan: an object, JSON or TOML text, or the path of a plan file (a string that
 * neither starts with `{` nor has a line break, ending in `.json` or `.toml`). Throws
 * `KPI_PLAN_INVALID` listing every problem, `KPI_IO_ERROR` when a file cannot be read.
 */
function compile(source, options) {
  const format = formatOf(options)
  if (typeof source === 'string') return new CompiledPlan(native.NativePlan.load(source, format))
  const [text, textFormat] = planText(source, format)
  return new CompiledPlan(native.NativePlan.fromText(text, textFormat))
}

/** Reads and compiles a plan file (`.json` or `.toml`). */
function compileFile(path) {
  return new CompiledPlan(native.NativePlan.fromFile(String(path)))
}

// ---- inputs --------------------------------------------------------------------------------

/**
 * The JSON replacer for every object sent to the native layer. JSON.stringify would write
 * NaN and ±Infinity as null (a plan's `cap: Infinity` would vanish, an actual of NaN would
 * read as "no value"): they are sent as the text "NaN", "Infinity", "-Infinity", which the
 * core rejects with the same code and message as in every other language. BigInts are sent
 * by their digits (exact).
 */
function exact(_key, value) {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

/** Lists and objects nested deeper than this are refused, as the core refuses them in text. */
const MAX_DEPTH = 128

/**
 * Why `value` cannot be sent (it contains itself, or nests deeper than MAX_DEPTH), as an issue
 * at its path; null when it can. Walks without recursion, so no value can exhaust the stack.
 */
function shapeProblem(value) {
  const open = new Set()
  const stack = [[value, [], false]]
  while (stack.length > 0) {
    const [v, loc, leaving] = stack.pop()
    if (leaving) {
      open.delete(v)
      continue
    }
    if (v === null || typeof v !== 'object') continue
    const path = loc.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')
    if (open.has(v)) return { code: 'cyclic_value', path, loc, message: `the value at \`${path}\` contains itself` }
    if (open.size >= MAX_DEPTH) return { code: 'nesting_too_deep', path, loc, message: `the value at \`${path}\` nests lists and objects more than ${MAX_DEPTH} deep` }
    open.add(v)
    stack.push([v, loc, true])
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v)
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], [...loc, entries[i][0]], false])
  }
  return null
}

/**
 * JSON text of a plan, versions document or inputs object. A value that contains itself or
 * nests too deep throws a kpichain error (`cyclic_value` / `nesting_too_deep`) naming its
 * path, the same codes Python and the core use.
 */
function toText(value, code) {
  // Plans are small: always checked, so the path is the same as in Python. Inputs can be
  // large: checked only when JSON.stringify fails (deeper values are refused by the core).
  const problem = code === PLAN_INVALID ? shapeProblem(value) : null
  if (problem) throw kpichainError(code, [problem])
  try {
    return JSON.stringify(value, exact)
  } catch (error) {
    const problem = shapeProblem(value)
    if (problem) throw kpichainError(code, [problem])
    throw error
  }
}

/** What the wrapper needs to know of a plan's record sets: field kinds and the time zone. */
function recordInfo(planObject) {
  const kinds = new Map()
  for (const set of planObject.records ?? []) kinds.set(set.name, new Map(set.fields.map((f) => [f.name, f.kind])))
  const m = /^([+-])(\d\d):(\d\d)$/.exec(planObject.time_zone ?? '')
  const offsetMinutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0
  return { kinds, offsetMinutes }
}

const pad = (n, width = 2) => String(n).padStart(width, '0')

/** The calendar day of an instant in the plan's time zone, `YYYY-MM-DD`. */
function localDay(date, offsetMinutes) {
  const t = new Date(date.getTime() + offsetMinutes * 60000)
  const year = t.getUTCFullYear()
  const y = year >= 0 && year <= 9999 ? pad(year, 4) : String(year)
  return `${y}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`
}

/**
 * Record `i` of set `name` with the values the core's JSON cannot carry written as it reads
 * them (see `convertRecords`), or `null` when it has none.
 */
function convertRecord(name, row, i, info, errors) {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return null // the core reports it
  let replaced = null
  for (const key of Object.keys(row)) {
    const value = row[key]
    let next
    if (value instanceof Date || (typeof value === 'number' && !Number.isFinite(value))) {
      const kind = info().kinds.get(name)?.get(key)
      const valid = value instanceof Date ? !Number.isNaN(value.getTime()) : false
      if (valid) {
        next = kind === 'date' ? localDay(value, info().offsetMinutes) : value.toISOString()
      } else if (kind === 'text') {
        const code = value instanceof Date ? 'bad_value' : 'invalid_number'
        errors.push({ code, path: `records.${name}[${i}].${key}`, message: `record set '${name}', field '${key}' is text but the value is ${String(value)}` })
        continue
      } else {
        next = String(value) // refused by the core as a bad value: "NaN", "Infinity", "Invalid Date"
      }
    } else {
      continue
    }
    replaced ??= { ...row }
    replaced[key] = next
  }
  return replaced
}

/**
 * Record values the core's JSON cannot carry as they are: a Date becomes the instant in
 * RFC 3339 (a timestamp field) or its calendar day in the plan's time zone (a date field);
 * NaN, ±Infinity and an invalid Date become the text "NaN", "Infinity", "Invalid Date", which
 * the core refuses as a bad value of a non-text field (so the plan's `bad_records` policy
 * applies: an error naming `records.SET[i].FIELD`, or a skipped, counted record); in a text
 * field they are an error here. Returns the records to send (rows copied only where changed).
 */
function convertRecords(records, info, errors) {
  let changed = false
  const out = {}
  for (const [name, rows] of Object.entries(records)) {
    out[name] = rows
    if (!Array.isArray(rows)) continue
    let copy = null
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]
      const replaced = convertRecord(name, row, i, info, errors)
      if (replaced !== null) {
        copy ??= rows.slice()
        copy[i] = replaced
      }
    }
    if (copy !== null) {
      out[name] = copy
      changed = true
    }
  }
  return { records: changed ? out : records }
}

/**
 * Inputs as the JSON text the native layer reads. A string is taken as JSON text already.
 * `info` gives the plan's record fields and time zone (read only when a record needs them).
 */
function inputsText(inputs, info) {
  if (typeof inputs === 'string') return inputs
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw new TypeError('inputs is an object {period?, assignments, actuals?, targets?, units?, records?} or its JSON text')
  }
  const errors = []
  const { records } = inputs
  if (records !== null && typeof records === 'object' && !Array.isArray(records)) {
    const converted = convertRecords(records, info, errors)
    if (converted.records !== records) inputs = { ...inputs, records: converted.records }
  }
  if (errors.length > 0) throw kpichainError(INPUT_INVALID, errors)
  return toText(inputs, INPUT_INVALID)
}

function explainFlag(options) {
  return options != null && options.explain === true
}

// ---- batches -------------------------------------------------------------------------------

/** The assignment columns of a columnar batch, by their name in the core's rows. */
const ASSIGNMENT_COLUMNS = Object.freeze({
  subjects: 'subject',
  roles: 'role',
  names: 'name',
  units: 'unit',
  regions: 'region',
  managers: 'manager',
  bonusBases: 'bonus_base',
})
const COLUMN_KEYS = new Set(['period', ...Object.keys(ASSIGNMENT_COLUMNS), 'attributes', 'actuals', 'targets', 'orgUnits', 'records'])
const ROW_KEYS = new Set(['period', 'assignments', 'actuals', 'targets', 'units', 'records'])

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
/** A column: an array, or a typed array of numbers (read without a value-by-value lookup). */
const isColumn = (v) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))

/**
 * The work of taking in a batch, as a list of steps `(from, to)` over positions (a slice of
 * the columns, or of one list of rows) and how many positions each list has. Only the shape
 * is checked here (a TypeError for a batch that is not one); every value is read by the core.
 */
function batchPlan(batch) {
  if (!isPlainObject(batch)) {
    throw new TypeError('a batch is an object: columns {subjects, roles, actuals: {indicator: values}, ...} or rows {assignments, actuals, ...}')
  }
  const parts = []
  if ('subjects' in batch) {
    for (const key of Object.keys(batch)) {
      if (!COLUMN_KEYS.has(key)) throw new TypeError(`a columnar batch has no '${key}' (it has ${[...COLUMN_KEYS].join(', ')})`)
    }
    const { subjects } = batch
    if (!isColumn(subjects)) throw new TypeError('batch.subjects must be an array')
    const n = subjects.length
    const columns = []
    const add = (list, name, values, where) => {
      if (!isColumn(values)) throw new TypeError(`${where} must be an array or a typed array`)
      if (values.length !== n) throw new TypeError(`${where} has ${values.length} values; subjects has ${n} (columns are aligned by position)`)
      columns.push([list, name, values])
    }
    for (const [key, field] of Object.entries(ASSIGNMENT_COLUMNS)) {
      if (batch[key] !== undefined) add('assignments', field, batch[key], `batch.${key}`)
    }
    for (const [group, list] of [['attributes', 'assignments'], ['actuals', 'actuals']]) {
      const value = batch[group]
      if (value === undefined || value === null) continue
      if (!isPlainObject(value)) throw new TypeError(`batch.${group} must be an object of columns (name → array of values)`)
      for (const [name, values] of Object.entries(value)) add(list, name, values, `batch.${group}.${name}`)
    }
    parts.push({ kind: 'columns', columns, n })
    for (const [key, list] of [['targets', 'targets'], ['orgUnits', 'units']]) {
      if (batch[key] !== undefined && batch[key] !== null) parts.push(rowsPart(list, batch[key]))
    }
  } else {
    for (const key of Object.keys(batch)) {
      if (!ROW_KEYS.has(key)) throw new TypeError(`a batch of rows has no '${key}' (it has ${[...ROW_KEYS].join(', ')}; a columnar batch has 'subjects')`)
    }
    for (const list of ['assignments', 'targets', 'actuals', 'units']) {
      if (batch[list] !== undefined && batch[list] !== null) parts.push(rowsPart(list, batch[list]))
    }
  }
  const { records } = batch
  if (records !== undefined && records !== null) {
    if (!isPlainObject(records)) throw new TypeError('batch.records must be an object: record set name → rows')
    for (const [name, rows] of Object.entries(records)) parts.push({ kind: 'records', name, rows, n: Array.isArray(rows) ? rows.length : 0 })
  }
  return parts
}

function rowsPart(list, rows) {
  return { kind: 'rows', list, rows, n: Array.isArray(rows) ? rows.length : 0 }
}

/**
 * The numbers of `values[from..to]` as a Float64Array, with a Uint8Array marking the positions
 * without a value (`null`, `undefined`; `null` itself when there are none); `null` when the
 * slice holds anything else (it is then read value by value).
 */
function numberSlice(values, from, to) {
  const n = to - from
  if (scratch.numbers.length < n) scratch = { numbers: new Float64Array(n), missing: new Uint8Array(n) }
  // Views of buffers reused from slice to slice (the addon copies the values at once): no
  // new memory per slice for the garbage collector to account for.
  const numbers = scratch.numbers.subarray(0, n)
  let missing = null
  for (let i = from; i < to; i++) {
    const v = values[i]
    if (typeof v === 'number') numbers[i - from] = v
    else if (v === null || v === undefined) {
      if (missing === null) {
        missing = scratch.missing.subarray(0, n)
        missing.fill(0)
      }
      missing[i - from] = 1
    } else return null
  }
  return [numbers, missing]
}
let scratch = { numbers: new Float64Array(0), missing: new Uint8Array(0) }

/**
 * The strings of `values[from..to]` joined by U+0000 (one string to cross instead of one per
 * value), with a Uint8Array marking the positions without a value (`null`, `undefined`; `null`
 * itself when there are none); `null` when the slice holds anything else.
 */
function textSlice(values, from, to) {
  const n = to - from
  let missing = null
  for (let i = from; i < to; i++) {
    const v = values[i]
    if (typeof v === 'string') continue
    if (v === null || v === undefined) {
      if (missing === null) {
        if (scratch.missing.length < n) scratch = { numbers: new Float64Array(n), missing: new Uint8Array(n) }
        missing = scratch.missing.subarray(0, n)
        missing.fill(0)
      }
      missing[i - from] = 1
    } else return null
  }
  // `join` writes null and undefined as empty texts; the marks say which they were.
  return [(from === 0 && to === values.length ? values : values.slice(from, to)).join('\u0000'), missing]
}

/**
 * Copies `part`'s positions `[from, to)` into the native batch. Records with values JSON
 * cannot carry (Dates, NaN) are first written as `score` writes them; problems found then go
 * to `errors`.
 */
function feed(nativeBatch, part, from, to, info, errors) {
  if (part.kind === 'records') {
    if (!Array.isArray(part.rows)) return nativeBatch.records(part.name, part.rows) // the core reports it
    let rows = part.rows
    let start = from
    for (let i = from; i < to; i++) {
      const replaced = convertRecord(part.name, part.rows[i], i, info, errors)
      if (replaced === null) continue
      if (rows === part.rows) {
        rows = part.rows.slice(from, to)
        start = 0
      }
      rows[i - from] = replaced
    }
    return nativeBatch.records(part.name, rows, start, start + (to - from))
  }
  if (part.kind === 'columns') {
    for (const [list, name, values] of part.columns) {
      const end = Math.min(to, values.length)
      const numeric = Array.isArray(values) ? numberSlice(values, from, end) : null
      if (numeric !== null) {
        nativeBatch.numbers(list, name, values.length, numeric[0], numeric[1])
        continue
      }
      const texts = Array.isArray(values) ? textSlice(values, from, end) : null
      if (texts === null || !nativeBatch.texts(list, name, values.length, texts[0], end - from, texts[1])) {
        nativeBatch.column(list, name, values, from, to)
      }
    }
  } else if (Array.isArray(part.rows)) {
    nativeBatch.rows(part.list, part.rows, from, to)
  } else {
    nativeBatch.rows(part.list, part.rows) // not a list: the core reports it
  }
}

/** A new native batch of `scheme` with the batch's period. */
function startBatch(scheme, batch) {
  const nativeBatch = scheme.batch()
  if (isPlainObject(batch) && batch.period !== undefined) nativeBatch.period(batch.period)
  return nativeBatch
}

/** Throws the problems the wrapper found in records, as `score` does before scoring. */
function checkRecords(errors) {
  if (errors.length > 0) throw kpichainError(INPUT_INVALID, errors)
}

/** Takes in and scores `batch` on the calling thread; `info` gives the plan's record fields. */
function scoreBatchSync(scheme, batch, info) {
  const parts = batchPlan(batch)
  const nativeBatch = startBatch(scheme, batch)
  const errors = []
  for (const part of parts) feed(nativeBatch, part, 0, part.n, info, errors)
  checkRecords(errors)
  return new BatchResult(nativeBatch.finish())
}

/** Time one slice of copying may take on the main thread before the event loop gets a turn. */
const SLICE_MS = 5
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve))

/**
 * Takes in `batch` in slices, giving the event loop a turn between them (each slice is sized
 * from the last one's time to take about SLICE_MS), then reads and scores it on the libuv
 * thread pool.
 */
async function scoreBatchAsync(scheme, batch, info) {
  const parts = batchPlan(batch)
  const nativeBatch = startBatch(scheme, batch)
  const errors = []
  let size = 1024 // positions per slice; adapted to the time a slice takes
  for (const part of parts) {
    if (part.kind !== 'columns' && !Array.isArray(part.rows)) {
      feed(nativeBatch, part, 0, 0, info, errors)
      continue
    }
    // Columns cost per position about as many reads as there are columns.
    const weight = part.kind === 'columns' ? Math.max(1, part.columns.length) : 4
    for (let from = 0; from < part.n; ) {
      const to = Math.min(part.n, from + Math.max(1, Math.floor(size / weight)))
      const started = performance.now()
      feed(nativeBatch, part, from, to, info, errors)
      const took = performance.now() - started
      const perPosition = took / (to - from)
      if (perPosition > 0) size = Math.min(1 << 20, Math.max(64, Math.floor((SLICE_MS / perPosition) * weight)))
      from = to
      await yieldToEventLoop()
    }
  }
  checkRecords(errors)
  return new BatchResult(await nativeBatch.finishAsync())
}

/**
 * A scored batch held in native memory: read a whole column at a time, or one subject's
 * result. Position `i` is the `i`-th assignment of the batch. Every number is an exact
 * decimal string, written as `score` writes it (`"87.50"`); missing values are `null`.
 * Column methods take an optional range `(from, to)` of positions.
 */
class BatchResult {
  #native

  /** @internal Returned by `scoreBatch` and `scoreBatchAsync`. */
  constructor(nativeResult) {
    if (!(nativeResult instanceof native.NativeBatchResult)) throw new TypeError('use plan.scoreBatch() or plan.scoreBatchAsync()')
    this.#native = nativeResult
  }

  /** How many results (one per assignment). */
  get length() {
    return this.#native.length
  }
  get planId() {
    return this.#native.planId
  }
  get planVersion() {
    return this.#native.planVersion
  }
  get planFingerprint() {
    return this.#native.planFingerprint
  }
  get period() {
    return this.#native.period ?? null
  }

  /**
   * @internal Diagnostics: how many subjects the core's columnar kernel scored in fixed
   * point, in exact fractions and by its engine (`null` when the batch went through the
   * intake as a whole).
   */
  _paths() {
    return this.#native._paths() ?? null
  }

  subjects(from, to) {
    return this.#native.subjects(from, to)
  }
  roles(from, to) {
    return this.#native.roles(from, to)
  }
  names(from, to) {
    return this.#native.names(from, to)
  }
  units(from, to) {
    return this.#native.units(from, to)
  }
  regions(from, to) {
    return this.#native.regions(from, to)
  }
  variants(from, to) {
    return this.#native.variants(from, to)
  }
  totals(from, to) {
    return this.#native.totals(from, to)
  }
  totalsUnrounded(from, to) {
    return this.#native.totalsUnrounded(from, to)
  }
  grades(from, to) {
    return this.#native.grades(from, to)
  }
  coefficients(from, to) {
    return this.#native.coefficients(from, to)
  }
  payouts(from, to) {
    return this.#native.payouts(from, to)
  }
  warningCounts(from, to) {
    return this.#native.warningCounts(from, to)
  }
  itemScores(item, from, to) {
    return this.#native.itemScores(String(item), from, to)
  }
  itemWeighted(item, from, to) {
    return this.#native.itemWeighted(String(item), from, to)
  }
  itemAchievements(item, from, to) {
    return this.#native.itemAchievements(String(item), from, to)
  }
  itemStatuses(item, from, to) {
    return this.#native.itemStatuses(String(item), from, to)
  }

  #position(i) {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`no result at position ${i} (the batch has ${this.length})`)
    return i
  }

  /** Result `i`, the object `score` gives for that subject. */
  get(i) {
    return this.#native.get(this.#position(i))
  }

  /** The explanation of result `i`, as `score(inputs, {explain: true})` gives it. */
  explain(i) {
    return this.#native.explain(this.#position(i))
  }

  /**
   * With a position, result `i` (as `get`); otherwise the whole evaluation, the object
   * `score` returns (for small batches: it builds every result as objects).
   */
  toJSON(i) {
    return typeof i === 'number' ? this.get(i) : this.#native.evaluation()
  }

  /** The results one by one, each built when reached. */
  *[Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) yield this.#native.get(i)
  }
}

// ---- compiled plan -------------------------------------------------------------------------

/** A validated, compiled plan: immutable, cheap to share, safe to score concurrently. */
class CompiledPlan {
  #native
  #object
  #records

  /** @internal Use `compile`, `compileFile` or the static `from*` methods. */
  constructor(nativePlan) {
    if (!(nativePlan instanceof native.NativePlan)) throw new TypeError('use compile(), compileFile() or CompiledPlan.from*()')
    this.#native = nativePlan
  }

  static fromObject(plan) {
    if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) throw new TypeError('fromObject expects a plan object')
    return compile(plan)
  }
  static fromJson(text) {
    return compile(String(text), { format: 'json' })
  }
  static fromToml(text) {
    return compile(String(text), { format: 'toml' })
  }
  static fromText(text) {
    return compile(String(text))
  }
  static fromFile(path) {
    return compileFile(path)
  }

  get id() {
    return this.#native.id
  }
  get version() {
    return this.#native.version
  }
  get fingerprint() {
    return this.#native.fingerprint
  }

  /** The plan as a plain object in the canonical shape (decimals as strings). */
  toObject() {
    if (this.#object === undefined) this.#object = this.#native.planJson()
    return JSON.parse(this.#object)
  }
  toJSON() {
    return this.toObject()
  }

  /** @internal The plan's record fields and time zone, read once, when first needed. */
  #recordInfo = () => {
    if (this.#records === undefined) {
      if (this.#object === undefined) this.#object = this.#native.planJson()
      this.#records = recordInfo(JSON.parse(this.#object))
    }
    return this.#records
  }

  /** Scores a batch on the calling thread; for small inputs. */
  score(inputs, options) {
    return JSON.parse(this.#native.score(inputsText(inputs, this.#recordInfo), explainFlag(options)))
  }

  /** Scores a batch on the libuv thread pool; the event loop stays free meanwhile. */
  async scoreAsync(inputs, options) {
    const text = inputsText(inputs, this.#recordInfo)
    return JSON.parse(await this.#native.scoreAsync(text, explainFlag(options)))
  }

  /**
   * Like `score`, but returns the evaluation as JSON text without building JavaScript objects:
   * for services that send the result on (it skips a JSON.parse and a JSON.stringify).
   */
  scoreJson(inputs, options) {
    return this.#native.score(inputsText(inputs, this.#recordInfo), explainFlag(options))
  }

  /** Like `scoreAsync`, resolving to the evaluation as JSON text. */
  async scoreJsonAsync(inputs, options) {
    const text = inputsText(inputs, this.#recordInfo)
    return this.#native.scoreAsync(text, explainFlag(options))
  }

  /**
   * Scores a batch given as columns (`{period?, subjects, roles, actuals: {indicator:
   * values}, ...}`) or rows (`{period?, assignments, actuals?, targets?, units?}`) without
   * JSON text, on the calling thread. Returns a `BatchResult`.
   */
  scoreBatch(batch) {
    return scoreBatchSync(this.#native, batch, this.#recordInfo)
  }

  /**
   * Like `scoreBatch`, without holding the event loop: the values are copied in slices with
   * a turn of the event loop between them, then read and scored on the libuv thread pool.
   */
  async scoreBatchAsync(batch) {
    return scoreBatchAsync(this.#native, batch, this.#recordInfo)
  }

  /** Explanations (structured, with `text`) for every subject, or only `subject`. */
  explain(inputs, subject) {
    if (subject !== undefined && subject !== null && typeof subject !== 'string') throw new TypeError('subject must be a string')
    return JSON.parse(this.#native.explain(inputsText(inputs, this.#recordInfo), subject ?? undefined))
  }

  /** @internal The native plan, for benchmarks. */
  get native() {
    return this.#native
  }
}

// ---- plan versions -------------------------------------------------------------------------

function versionsText(source) {
  if (typeof source === 'string') return source
  if (source instanceof Uint8Array) return Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8')
  if (source !== null && typeof source === 'object' && !Array.isArray(source)) return toText(source, PLAN_INVALID)
  throw new TypeError('plan versions are an object or its JSON text (loadVersions reads a file)')
}

/**
 * Compiles a plan with effective-dated versions (an object or its JSON text):
 * `{ id, name?, span?, versions: [{ effective_from, plan }] }`. Throws `KPI_PLAN_INVALID`
 * listing every problem of every version (`versions[1].plan.roles[0].items`).
 */
function compileVersions(source) {
  return new CompiledVersions(native.NativeVersions.fromText(versionsText(source)))
}

/**
 * Reads and compiles a versions file; a version's `plan` may be the path of a plan file
 * (`.json` or `.toml`) relative to the versions file. Throws `KPI_IO_ERROR` when a file
 * cannot be read.
 */
function loadVersions(path) {
  return new CompiledVersions(native.NativeVersions.fromFile(String(path)))
}


/** A validated plan with effective-dated versions: immutable, safe to score concurrently. */
class CompiledVersions {
  #native
  #versions
  #records = new Map()

  /** @internal Use `compileVersions` or `loadVersions`. */
  constructor(nativeVersions) {
    if (!(nativeVersions instanceof native.NativeVersions)) throw new TypeError('use compileVersions() or loadVersions()')
    this.#native = nativeVersions
  }

  get id() {
    return this.#native.id
  }
  get name() {
    return this.#native.name ?? null
  }
  /** How a period spanning a change is scored: `period_start` or `pro_rata`. */
  get span() {
    return this.#native.span
  }
  /** `sha256:` + hex digest of the whole document's canonical JSON. */
  get fingerprint() {
    return this.#native.fingerprint
  }

  /** The versions in order: `{ effective_from, version, fingerprint, plan }` (`plan` a `CompiledPlan`). */
  get versions() {
    if (this.#versions === undefined) {
      this.#versions = JSON.parse(this.#native.versionsJson()).map((v) => Object.freeze({ ...v, plan: new CompiledPlan(this.#native.version(v.version)) }))
    }
    return this.#versions.slice()
  }

  /** @internal Throws a `RangeError` for a label that is not a version's. */
  #checkLabels(...labels) {
    const known = JSON.parse(this.#native.versionsJson()).map((v) => v.version)
    for (const label of labels) {
      if (!known.includes(String(label))) {
        throw new RangeError(`plan '${this.id}' has no version '${label}' (its versions are ${known.join(', ')})`)
      }
    }
  }

  /** The version labelled `label`, as a `CompiledPlan`; throws a `RangeError` when there is none. */
  version(label) {
    this.#checkLabels(label)
    return this.versions.find((v) => v.version === String(label)).plan
  }

  /** The version in force on `day` (`YYYY-MM-DD`), or `null`. */
  inForce(day) {
    const plan = this.#native.inForce(String(day))
    return plan == null ? null : this.version(plan.version)
  }

  /** What changed from version `before` to version `after` (labels): `{ from, to, changes }`. */
  diff(before, after) {
    this.#checkLabels(before, after)
    return JSON.parse(this.#native.diff(String(before), String(after)))
  }

  /** The same diff as text for an HR user. */
  diffText(before, after) {
    this.#checkLabels(before, after)
    return this.#native.diffText(String(before), String(after))
  }

  /** The document in canonical form (every plan inline, decimals as strings). */
  toObject() {
    return JSON.parse(this.#native.documentJson())
  }
  toJSON() {
    return this.toObject()
  }

  /** @internal The record fields and time zone of the version in force at `period`'s start. */
  #recordInfo(inputs) {
    const period = inputs !== null && typeof inputs === 'object' && typeof inputs.period === 'string' ? inputs.period : ''
    return () => {
      if (!this.#records.has(period)) {
        const text = this.#native.recordsPlanJson(period)
        this.#records.set(period, recordInfo(text == null ? {} : JSON.parse(text)))
      }
      return this.#records.get(period)
    }
  }

  /** Scores a batch on the calling thread with the version(s) in force for `inputs.period` (required). */
  score(inputs, options) {
    return JSON.parse(this.#native.score(inputsText(inputs, this.#recordInfo(inputs)), explainFlag(options)))
  }

  /** Like `score`, on the libuv thread pool. */
  async scoreAsync(inputs, options) {
    const text = inputsText(inputs, this.#recordInfo(inputs))
    return JSON.parse(await this.#native.scoreAsync(text, explainFlag(options)))
  }

  /** Like `score`, returning the evaluation as JSON text. */
  scoreJson(inputs, options) {
    return this.#native.score(inputsText(inputs, this.#recordInfo(inputs)), explainFlag(options))
  }

  /** Like `scoreAsync`, resolving to the evaluation as JSON text. */
  async scoreJsonAsync(inputs, options) {
    const text = inputsText(inputs, this.#recordInfo(inputs))
    return this.#native.scoreAsync(text, explainFlag(options))
  }

  /**
   * Scores a batch given as columns (`{period?, subjects, roles, actuals: {indicator:
   * values}, ...}`) or rows (`{period?, assignments, actuals?, targets?, units?}`) without
   * JSON text, with the version(s) in force for its `period`, on the calling thread. Returns a `BatchResult`.
   */
  scoreBatch(batch) {
    return scoreBatchSync(this.#native, batch, this.#recordInfo(batch))
  }

  /**
   * Like `scoreBatch`, without holding the event loop: the values are copied in slices with
   * a turn of the event loop between them, then read and scored on the libuv thread pool.
   */
  async scoreBatchAsync(batch) {
    return scoreBatchAsync(this.#native, batch, this.#recordInfo(batch))
  }

  /** Explanations (structured, with `text`) for every subject, or only `subject`; pro-rata results explain their `segments`. */
  explain(inputs, subject) {
    if (subject !== undefined && subject !== null && typeof subject !== 'string') throw new TypeError('subject must be a string')
    return JSON.parse(this.#native.explain(inputsText(inputs, this.#recordInfo(inputs)), subject ?? undefined))
  }

  /** @internal The native versions. */
  get native() {
    return this.#native
  }
}

// ---- plan diffs ----------------------------------------------------------------------------

function diffSource(source) {
  if (source instanceof CompiledPlan) return [source.native.planJson(), 'json']
  return planText(source, undefined)
}

/**
 * What changed from plan `before` to plan `after` (each a `CompiledPlan`, an object, JSON or
 * TOML text): `{ from, to, changes }`. The plans are read, not compiled, so a draft that does
 * not compile can be compared. Throws `KPI_PLAN_INVALID` when a plan cannot be read.
 */
function diff(before, after) {
  const [b, bf] = diffSource(before)
  const [a, af] = diffSource(after)
  return JSON.parse(native.diffPlans(b, bf, a, af))
}

/** The same diff as text for an HR user: a header line and one line per change. */
function diffText(before, after) {
  const [b, bf] = diffSource(before)
  const [a, af] = diffSource(after)
  return native.diffPlansText(b, bf, a, af)
}

// ---- measures ------------------------------------------------------------------------------

/**
 * Derives actuals from records given as text rows with measure definitions (an object or its
 * JSON text: `{ time_zone, period, records, measures, bad_records?, subjects? }`). Returns
 * `{ actuals, report }` (decimals as strings); throws `KPI_INPUT_INVALID` listing every problem.
 */
function deriveActuals(request) {
  let text
  if (typeof request === 'string') text = request
  else if (request !== null && typeof request === 'object' && !Array.isArray(request)) text = toText(request, INPUT_INVALID)
  else throw new TypeError('a derivation request is an object or its JSON text')
  return JSON.parse(native.deriveActuals(text))
}

// ---- schemas -------------------------------------------------------------------------------

/** The JSON Schema (draft 2020-12) of the plan format. */
function planSchema() {
  return JSON.parse(native.planSchema())
}
/** The JSON Schema of evaluation inputs (long-format actuals). */
function inputsSchema() {
  return JSON.parse(native.inputsSchema())
}
/** The JSON Schema of evaluation results. */
function resultSchema() {
  return JSON.parse(native.resultSchema())
}
/** The JSON Schema of a plan with effective-dated versions. */
function versionsSchema() {
  return JSON.parse(native.versionsSchema())
}
/** The JSON Schema of a plan diff. */
function diffSchema() {
  return JSON.parse(native.diffSchema())
}

exports.CompiledPlan = CompiledPlan
exports.CompiledVersions = CompiledVersions
exports.BatchResult = BatchResult
exports.compile = compile
exports.compileFile = compileFile
exports.loadPlan = compileFile
exports.compileVersions = compileVersions
exports.loadVersions = loadVersions
exports.validate = validate
exports.validateFile = validateFile
exports.diff = diff
exports.diffText = diffText
exports.deriveActuals = deriveActuals
exports.planSchema = planSchema
exports.inputsSchema = inputsSchema
exports.resultSchema = resultSchema
exports.versionsSchema = versionsSchema
exports.diffSchema = diffSchema
exports.isKpichainError = isKpichainError
exports.ErrorCode = Object.freeze({
  PLAN_INVALID: 'KPI_PLAN_INVALID',
  INPUT_INVALID: 'KPI_INPUT_INVALID',
  IO_ERROR: 'KPI_IO_ERROR',
  PANIC: 'KPI_PANIC',
  INTERNAL: 'KPI_INTERNAL',
})
