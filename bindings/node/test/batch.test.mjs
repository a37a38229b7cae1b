// The batch API (scoreBatch, scoreBatchAsync, BatchResult): columns and rows give the same
// results as `score`, byte for byte, on the example company, on ~2,000 subjects and on every
// golden vector; bad values give the same code, path and message as through `score`.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import kpichain from '../kpichain.js'
import { bigBatch, exampleCompany, numbersRoundTrip, rawMembers, vectorsDir } from './helpers.mjs'

const { compile, compileVersions, BatchResult, isKpichainError } = kpichain

const company = exampleCompany()
const plan = compile(company.planText)

/** The error `fn` throws (or its promise rejects with). */
async function failure(fn) {
  try {
    await fn()
  } catch (error) {
    return error
  }
  assert.fail('expected an error, but the call succeeded')
}

const issues = (error) => {
  assert.ok(isKpichainError(error), `expected a kpichain error, got ${error?.stack ?? error}`)
  return { code: error.code, errors: error.errors.map((e) => ({ code: e.code, path: e.path, message: e.message })) }
}

/** The assignment field of each columnar batch key. */
const FIELDS = { subjects: 'subject', roles: 'role', names: 'name', units: 'unit', regions: 'region', managers: 'manager', bonusBases: 'bonus_base' }

/**
 * The columns of inputs given as rows: one position per assignment; each actual in the column
 * of its indicator at its subject's position. `null` when rows cannot be columns (an actual of
 * a subject without an assignment, two values for one cell, a row that is not an object).
 */
function toColumns(inputs) {
  const rows = inputs.assignments ?? []
  if (!Array.isArray(rows) || rows.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))) return null
  const n = rows.length
  const batch = {}
  if (inputs.period !== undefined) batch.period = inputs.period
  const column = () => new Array(n).fill(null)
  for (const [key, field] of Object.entries(FIELDS)) {
    if (key === 'subjects' || key === 'roles' || rows.some((r) => r[field] !== undefined)) batch[key] = rows.map((r) => r[field] ?? null)
  }
  const known = new Set([...Object.values(FIELDS), 'attributes'])
  for (const [i, r] of rows.entries()) {
    const attributes = { ...(r.attributes ?? {}) }
    for (const [k, v] of Object.entries(r)) if (!known.has(k)) attributes[k] = v
    for (const [k, v] of Object.entries(attributes)) {
      batch.attributes ??= {}
      batch.attributes[k] ??= column()
      batch.attributes[k][i] = v
    }
  }
  const position = new Map()
  for (const [i, r] of rows.entries()) {
    if (position.has(String(r.subject))) return null
    position.set(String(r.subject), i)
  }
  const actuals = {}
  for (const row of inputs.actuals ?? []) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return null
    const at = position.get(String(row.subject))
    if (at === undefined) return null
    const cells = 'indicator' in row ? [[row.indicator, row.value]] : Object.entries(row).filter(([k]) => k !== 'subject')
    for (const [indicator, value] of cells) {
      actuals[indicator] ??= column()
      if (actuals[indicator][at] !== null) return null
      actuals[indicator][at] = value
    }
  }
  batch.actuals = actuals
  if (inputs.targets !== undefined) batch.targets = inputs.targets
  if (inputs.units !== undefined) batch.orgUnits = inputs.units
  if (inputs.records !== undefined) batch.records = inputs.records
  return batch
}

/** The rows a columnar batch stands for: assignment rows and wide actuals rows, by position. */
function toRows(batch) {
  const assignments = batch.subjects.map((_, i) => {
    const row = {}
    for (const [key, field] of Object.entries(FIELDS)) if (batch[key] !== undefined) row[field] = batch[key][i]
    for (const [k, values] of Object.entries(batch.attributes ?? {})) row[k] = values[i]
    return row
  })
  const names = Object.keys(batch.actuals ?? {})
  const actuals = names.length === 0 ? [] : batch.subjects.map((subject, i) => Object.fromEntries([['subject', subject], ...names.map((n) => [n, batch.actuals[n][i]])]))
  const inputs = { assignments, actuals }
  if (batch.period !== undefined) inputs.period = batch.period
  if (batch.targets !== undefined) inputs.targets = batch.targets
  if (batch.orgUnits !== undefined) inputs.units = batch.orgUnits
  if (batch.records !== undefined) inputs.records = batch.records
  return inputs
}

const text = (value) => JSON.stringify(value)

test('rows and columns give byte-identical results to score on the example company', async () => {
  const want = plan.score(company.inputs)
  const columns = toColumns(company.inputs)
  assert.ok(columns, 'the example converts to columns')
  for (const batch of [company.inputs, columns]) {
    const sync = plan.scoreBatch(batch)
    assert.ok(sync instanceof BatchResult)
    assert.equal(text(sync), text(want))
    assert.equal(text(sync.toJSON()), text(want))
    const later = await plan.scoreBatchAsync(batch)
    assert.equal(text(later), text(want))
  }
})

test('BatchResult columns are the fields of the results score gives', () => {
  const want = plan.score(company.inputs)
  const explained = plan.score(company.inputs, { explain: true })
  const got = plan.scoreBatch(toColumns(company.inputs))
  const results = want.results
  assert.equal(got.length, results.length)
  assert.equal(got.planId, want.plan_id)
  assert.equal(got.planVersion, want.plan_version)
  assert.equal(got.planFingerprint, want.plan_fingerprint)
  assert.equal(got.period, want.period)
  const field = (name) => results.map((r) => r[name] ?? null)
  assert.deepEqual(got.subjects(), field('subject'))
  assert.deepEqual(got.roles(), field('role'))
  assert.deepEqual(got.names(), field('name'))
  assert.deepEqual(got.units(), field('unit'))
  assert.deepEqual(got.regions(), field('region'))
  assert.deepEqual(got.variants(), field('variant'))
  assert.deepEqual(got.totals(), field('total'))
  assert.deepEqual(got.totalsUnrounded(), field('total_unrounded'))
  assert.deepEqual(got.grades(), field('grade'))
  assert.deepEqual(got.coefficients(), field('coefficient'))
  assert.deepEqual(got.payouts(), field('payout'))
  assert.deepEqual(got.warningCounts(), results.map((r) => r.warnings.length))
  assert.ok(got.totals().every((t) => typeof t === 'string'), 'totals are decimal strings')
  const items = new Set(results.flatMap((r) => r.items.map((i) => i.item)))
  assert.ok(items.size > 0)
  for (const item of items) {
    const of = (r) => r.items.find((i) => i.item === item)
    assert.deepEqual(got.itemScores(item), results.map((r) => of(r)?.score ?? null), `itemScores(${item})`)
    assert.deepEqual(got.itemWeighted(item), results.map((r) => of(r)?.weighted ?? null))
    assert.deepEqual(got.itemAchievements(item), results.map((r) => of(r)?.achievement ?? null))
    assert.deepEqual(got.itemStatuses(item), results.map((r) => of(r)?.status ?? null))
  }
  assert.deepEqual(got.itemScores('no_such_item'), results.map(() => null))
  // An item is found by its indicator too.
  const first = results[0].items[0]
  assert.equal(got.itemScores(first.indicator)[0], first.score)
  // Ranges of positions.
  assert.deepEqual(got.totals(2, 5), field('total').slice(2, 5))
  assert.deepEqual(got.subjects(5), field('subject').slice(5))
  assert.deepEqual(got.grades(3, 1), [])
  assert.deepEqual(got.payouts(0, 10_000), field('payout'))
  // One subject at a time.
  results.forEach((r, i) => {
    assert.equal(text(got.get(i)), text(r))
    assert.equal(text(got.toJSON(i)), text(r))
    assert.equal(text(got.explain(i)), text(explained.results[i].explanation))
  })
  assert.equal(text([...got]), text(results))
  assert.throws(() => got.get(results.length), RangeError)
  assert.throws(() => got.get(-1), RangeError)
  assert.throws(() => got.explain(1.5), RangeError)
  // Nested in another object, JSON.stringify gives the whole evaluation.
  assert.equal(JSON.stringify({ batch: got }), JSON.stringify({ batch: want }))
})

test('about 2,000 subjects as rows and as columns, sync and async, match score', async () => {
  const inputs = bigBatch(company.inputs, Math.ceil(2000 / company.inputs.assignments.length))
  assert.ok(inputs.assignments.length >= 2000)
  const want = text(plan.score(inputs))
  const columns = toColumns(inputs)
  assert.ok(columns)
  assert.equal(text(plan.scoreBatch(inputs)), want)
  assert.equal(text(plan.scoreBatch(columns)), want)
  assert.equal(text(await plan.scoreBatchAsync(inputs)), want)
  const later = await plan.scoreBatchAsync(columns)
  assert.equal(text(later), want)
  assert.deepEqual(later.totals(), JSON.parse(want).results.map((r) => r.total))
})

test('columns of a plain plan are scored by the columnar kernel, in fixed point', async () => {
  const v = JSON.parse(readFileSync(join(vectorsDir, 'rule_linear_cliff.json'), 'utf8'))
  const p = kpichain.compile(v.plan)
  const subjects = v.inputs.assignments.map((a) => a.subject)
  const actuals = {}
  for (const a of v.inputs.actuals) {
    actuals[a.indicator] ??= subjects.map(() => null)
    actuals[a.indicator][subjects.indexOf(a.subject)] = a.value
  }
  const batch = { subjects, roles: v.inputs.assignments.map((a) => a.role), actuals }
  const got = await p.scoreBatchAsync(batch)
  assert.deepEqual(got._paths(), [subjects.length, 0, 0])
  assert.equal(JSON.stringify(got), JSON.stringify(p.score(v.inputs)))
  // Rows go through the intake.
  assert.equal(p.scoreBatch(v.inputs)._paths(), null)
})

test('scoreBatchAsync gives the event loop turns while it copies and while it scores', async () => {
  const inputs = bigBatch(company.inputs, 200) // 5,400 subjects
  const columns = toColumns(inputs)
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  let settled = false
  const pending = plan.scoreBatchAsync(columns).then((r) => {
    settled = true
    return r
  })
  assert.equal(settled, false)
  const got = await pending
  clearInterval(timer)
  assert.ok(ticks >= 2, `the timer ran ${ticks} times during the call`)
  assert.equal(got.length, inputs.assignments.length)
})

test('several async batches at once each get their own results', async () => {
  const batches = [1, 2, 3].map((copies) => bigBatch(company.inputs, copies))
  const got = await Promise.all(batches.map((b) => plan.scoreBatchAsync(toColumns(b))))
  got.forEach((r, k) => assert.equal(text(r), text(plan.score(batches[k]))))
})

const subject0 = company.inputs.actuals[3].subject
const indicator0 = company.inputs.actuals[3].indicator

test('bad values: the same code, path and message through the batch API as through score', async () => {
  const columns = toColumns(company.inputs)
  const at = columns.subjects.indexOf(subject0)
  for (const bad of [NaN, Infinity, -Infinity, '12,5', true, [1], 1e400, '1e400', {}, 10n ** 40n, 'abc']) {
    // Rows (long actuals): the batch reads them where score does.
    const rows = { ...company.inputs, actuals: company.inputs.actuals.map((a, i) => (i === 3 ? { ...a, value: bad } : a)) }
    const want = issues(await failure(() => plan.score(rows)))
    assert.equal(want.code, 'KPI_INPUT_INVALID')
    assert.deepEqual(issues(await failure(() => plan.scoreBatch(rows))), want, `rows: ${String(bad)}`)
    assert.deepEqual(issues(await failure(() => plan.scoreBatchAsync(rows))), want, `rows async: ${String(bad)}`)
    // Columns: position i of a column is row i of wide actuals, as score reads them.
    const batch = { ...columns, actuals: { ...columns.actuals, [indicator0]: columns.actuals[indicator0].map((v, i) => (i === at ? bad : v)) } }
    const wide = issues(await failure(() => plan.score(toRows(batch))))
    assert.equal(wide.errors[0].path, `actuals[${at}].${indicator0}`)
    assert.equal(wide.errors[0].code, want.errors[0].code)
    assert.deepEqual(issues(await failure(() => plan.scoreBatch(batch))), wide, `columns: ${String(bad)}`)
    assert.deepEqual(issues(await failure(() => plan.scoreBatchAsync(batch))), wide, `columns async: ${String(bad)}`)
  }
})

test('bad assignment fields, subjects and periods: the same codes and paths as score', async () => {
  // Messages are compared for actuals above; the core words a few assignment-field messages
  // of JSON text slightly differently from those of rows (`bonus_base of …` / `the bonus_base of …`).
  const pairs = (e) => ({ code: e.code, errors: e.errors.map(({ code, path }) => ({ code, path })) })
  const columns = toColumns(company.inputs)
  const cases = [
    { ...columns, bonusBases: columns.bonusBases.map((v, i) => (i === 2 ? NaN : v)) },
    { ...columns, bonusBases: columns.bonusBases.map((v, i) => (i === 4 ? '3,000' : v)) },
    { ...columns, subjects: columns.subjects.map((v, i) => (i === 1 ? 1.5 : v)) },
    { ...columns, roles: columns.roles.map((v, i) => (i === 0 ? 'no_such_role' : v)) },
    { ...columns, roles: columns.roles.map((v, i) => (i === 0 ? true : v)) },
  ]
  for (const batch of cases) {
    const want = pairs(issues(await failure(() => plan.score(toRows(batch)))))
    const got = pairs(issues(await failure(() => plan.scoreBatch(batch))))
    assert.deepEqual(got, want, JSON.stringify(want))
    assert.deepEqual(pairs(issues(await failure(() => plan.scoreBatchAsync(batch)))), want)
  }
  // Where the core's JSON text reader and its row reader (Python rows and frames, the Node
  // batch) differ: a null subject is `missing_field` for rows (`invalid_type` / `empty_field`
  // in JSON text); a numeric period is read as its digits, then refused as `invalid_period`
  // (`invalid_type` in JSON text).
  const period = { ...columns, period: 202201 }
  // A column that names no indicator is reported once, at the column, as for a data frame.
  const unknown = { ...columns, actuals: { ...columns.actuals, not_an_indicator: columns.subjects.map(() => 1) } }
  assert.deepEqual(pairs(issues(await failure(() => plan.scoreBatch(unknown)))).errors, [{ code: 'unknown_indicator', path: 'actuals.not_an_indicator' }])
  assert.deepEqual(pairs(issues(await failure(() => plan.scoreBatch(period)))).errors, [{ code: 'invalid_period', path: 'period' }])
  const missing = { ...columns, subjects: columns.subjects.map((v, i) => (i === 1 ? null : v)) }
  assert.deepEqual(pairs(issues(await failure(() => plan.scoreBatch(missing)))).errors, [
    { code: 'missing_field', path: 'assignments[1].subject' },
    { code: 'missing_field', path: 'actuals[1].subject' },
  ])
})

test('subject ids may be numbers; a BigInt is exact', () => {
  const { targets, ...columns } = toColumns(company.inputs)
  assert.ok(targets)
  const ids = columns.subjects.map((_, i) => 1000 + i)
  const batch = { ...columns, subjects: ids }
  assert.equal(text(plan.scoreBatch(batch)), text(plan.score(toRows(batch))))
  assert.deepEqual(plan.scoreBatch(batch).subjects().slice(0, 2), ['1000', '1001'])
  const big = { ...columns, subjects: columns.subjects.map((_, i) => 2n ** 70n + BigInt(i)) }
  assert.equal(plan.scoreBatch(big).subjects()[1], '1180591620717411303425')
})

test('values with toJSON (a Date, a decimal object) are read as JSON.stringify writes them', async () => {
  const columns = toColumns(company.inputs)
  const decimal = (t) => ({ toJSON: () => t })
  const values = columns.actuals[indicator0].map((v) => (v === null ? null : decimal(String(v))))
  const batch = { ...columns, actuals: { ...columns.actuals, [indicator0]: values } }
  assert.equal(text(plan.scoreBatch(batch)), text(plan.score(company.inputs)))
  const dated = { ...columns, actuals: { ...columns.actuals, [indicator0]: values.map((v, i) => (i === 0 ? new Date(0) : v)) } }
  assert.deepEqual(issues(await failure(() => plan.scoreBatch(dated))), issues(await failure(() => plan.score(toRows(dated)))))
})

test('typed arrays are columns of numbers', async () => {
  const { targets, ...columns } = toColumns(company.inputs)
  assert.ok(targets)
  const numeric = Object.entries(columns.actuals).find(([, v]) => v.every((x) => x !== null))
  assert.ok(numeric, 'the example has an indicator every subject has')
  const [indicator, values] = numeric
  const want = text(plan.score(toRows(columns)))
  for (const Typed of [Float64Array, Float32Array, Int32Array]) {
    const typed = Typed.from(values.map(Number))
    const batch = { ...columns, actuals: { ...columns.actuals, [indicator]: typed } }
    const rows = toRows({ ...batch, actuals: { ...batch.actuals, [indicator]: [...typed] } })
    assert.equal(text(plan.scoreBatch(batch)), text(plan.score(rows)), Typed.name)
    if (Typed === Float64Array) assert.equal(text(await plan.scoreBatchAsync(batch)), want)
  }
  const nan = { ...columns, actuals: { ...columns.actuals, [indicator]: Float64Array.from(values.map((v, i) => (i === 1 ? NaN : Number(v)))) } }
  assert.deepEqual(issues(await failure(() => plan.scoreBatch(nan))).errors.map((e) => [e.code, e.path]), [['invalid_number', `actuals[1].${indicator}`]])
  const ids = { ...columns, subjects: Int32Array.from(columns.subjects.map((_, i) => 7000 + i)) }
  assert.deepEqual(plan.scoreBatch(ids).subjects().slice(0, 2), ['7000', '7001'])
  assert.throws(() => plan.scoreBatch({ ...columns, roles: new DataView(new ArrayBuffer(8)) }), TypeError)
})

test('columns of numbers and no-values (the fast path) read as score reads them', async () => {
  const { targets, ...columns } = toColumns(company.inputs)
  assert.ok(targets)
  const numeric = Object.fromEntries(Object.entries(columns.actuals).map(([k, v]) => [k, v.map((x) => (x === null ? (k.length % 2 ? null : undefined) : Number(x)))]))
  const batch = { ...columns, bonusBases: columns.bonusBases.map((x) => (x === null ? null : Number(x))), actuals: numeric }
  assert.equal(text(plan.scoreBatch(batch)), text(plan.score(toRows(batch))))
  assert.equal(text(await plan.scoreBatchAsync(batch)), text(plan.score(toRows(batch))))
  // A float beyond the decimal range is worded by its digits rather than as JSON writes it
  // (`1e+300`): the same code and path.
  const pairs = (e) => e.errors.map(({ code, path }) => ({ code, path }))
  for (const bad of [NaN, Infinity, -Infinity, 1e300]) {
    const broken = { ...batch, actuals: { ...numeric, [indicator0]: numeric[indicator0].map((v, i) => (i === 2 ? bad : v)) } }
    const want = issues(await failure(() => plan.score(toRows(broken))))
    const compare = bad === 1e300 ? pairs : (e) => e
    assert.deepEqual(compare(issues(await failure(() => plan.scoreBatch(broken)))), compare(want), String(bad))
    assert.deepEqual(compare(issues(await failure(() => plan.scoreBatchAsync(broken)))), compare(want), String(bad))
  }
})

test('a batch that is not one is a TypeError; a scored batch is not taken again', () => {
  const columns = toColumns(company.inputs)
  assert.throws(() => plan.scoreBatch(null), TypeError)
  assert.throws(() => plan.scoreBatch('{"assignments": []}'), TypeError)
  assert.throws(() => plan.scoreBatch({ ...columns, bonusBase: [] }), /no 'bonusBase'/)
  assert.throws(() => plan.scoreBatch({ ...columns, roles: columns.roles.slice(1) }), /aligned by position/)
  assert.throws(() => plan.scoreBatch({ ...columns, actuals: { x: 'abc' } }), TypeError)
  assert.throws(() => plan.scoreBatch({ ...columns, subjects: 'E1' }), TypeError)
  assert.throws(() => plan.scoreBatch({ ...company.inputs, records: [] }), /batch.records/)
  assert.throws(() => plan.scoreBatch({ ...company.inputs, assignment: [] }), /no 'assignment'/)
  const nativeBatch = plan.native.batch()
  nativeBatch.finish()
  assert.throws(() => nativeBatch.finish(), /scored already/)
})

test('rows that are not objects and lists that are not lists are input errors', async () => {
  const got = issues(await failure(() => plan.scoreBatch({ assignments: [5, null], actuals: 'x' })))
  assert.equal(got.code, 'KPI_INPUT_INVALID')
  assert.deepEqual(got.errors.map((e) => [e.code, e.path]), [
    ['invalid_type', 'actuals'],
    ['invalid_type', 'assignments[0]'],
    ['invalid_type', 'assignments[1]'],
  ])
})

test('an empty batch scores to no results', async () => {
  for (const batch of [{ subjects: [], roles: [] }, { assignments: [] }, {}]) {
    const got = await plan.scoreBatchAsync(batch)
    assert.equal(got.length, 0)
    assert.deepEqual(got.totals(), [])
    assert.equal(text(got), text(plan.score({ assignments: [] })))
  }
})

// ---- the golden vectors ------------------------------------------------------------------

const files = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()

for (const file of files) {
  const source = readFileSync(join(vectorsDir, file), 'utf8')
  const doc = JSON.parse(source)
  const raw = rawMembers(source)
  if (doc.expected_plan_errors || !doc.inputs) continue
  // Numbers that doubles cannot hold need the JSON text.
  const skip = !numbersRoundTrip(raw.inputs) ? 'numbers beyond doubles' : false
  test(`vector ${file} through the batch API`, { skip }, async () => {
    const scorer = doc.versions !== undefined ? compileVersions(raw.versions) : compile(raw.plan, { format: 'json' })
    const inputs = doc.inputs
    const columns = toColumns(inputs)
    if (doc.expected_input_errors) {
      const pairs = (e) => issues(e).errors.map(({ code, path }) => ({ code, path }))
      assert.deepEqual(pairs(await failure(() => scorer.scoreBatch(inputs))), doc.expected_input_errors, 'rows')
      assert.deepEqual(pairs(await failure(() => scorer.scoreBatchAsync(inputs))), doc.expected_input_errors, 'rows async')
      if (columns) {
        const want = issues(await failure(() => scorer.score(toRows(columns))))
        assert.deepEqual(issues(await failure(() => scorer.scoreBatch(columns))), want, 'columns')
      }
      return
    }
    const want = text(scorer.score(inputs))
    assert.equal(text(scorer.scoreBatch(inputs)), want, 'rows')
    assert.equal(text(await scorer.scoreBatchAsync(inputs)), want, 'rows async')
    if (columns) {
      assert.equal(text(scorer.scoreBatch(columns)), want, 'columns')
      assert.equal(text(await scorer.scoreBatchAsync(columns)), want, 'columns async')
    }
    const explained = scorer.score(inputs, { explain: true })
    const got = scorer.scoreBatch(inputs)
    explained.results.forEach((r, i) => assert.equal(text(got.explain(i)), text(r.explanation), `explain(${i})`))
  })
}
