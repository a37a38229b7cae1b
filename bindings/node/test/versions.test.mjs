// Plan versions (方案版本), plan diffs and the example company's full chain for 2022:
// `compileVersions`, `loadVersions` (plan files relative to the document), `diff`, `diffText`.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import kpichain from '../kpichain.js'
import { exampleDir, readCsv, vectorsDir } from './helpers.mjs'

const { compileFile, compileVersions, loadVersions, diff, diffText, isKpichainError, CompiledPlan, CompiledVersions } = kpichain

function catches(fn, code) {
  let caught
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(isKpichainError(caught), `expected a ${code} error, got ${caught}`)
  assert.equal(caught.code, code)
  return caught
}

/** The committed results of one month (`expected/2022-monthly.csv`), empty cells kept as "". */
function golden(period) {
  const [header, ...lines] = readFileSync(join(exampleDir, 'expected', '2022-monthly.csv'), 'utf8').trim().split('\n')
  assert.equal(header, 'period,subject,role,variant,total,grade,coefficient,payout')
  return lines.map((l) => l.split(',')).filter((cells) => cells[0] === period)
}

const row = (period, r) => [period, r.subject, r.role, r.variant ?? '', r.total, r.grade, r.coefficient, r.payout ?? '']

/** A month's inputs: the people, org tree, quotas, supplied figures and raw records as objects. */
function monthInputs(period) {
  const records = {}
  for (const name of ['orders', 'deliveries', 'hr_events', 'followups']) records[name] = readCsv(join(exampleDir, 'records', `${name}.csv`))
  // Dates as Date objects: instants for timestamps, local midnight (+08:00) for date fields.
  records.deliveries = records.deliveries.map((d) => ({ ...d, promised_at: new Date(`${d.promised_at.replace(' ', 'T')}+08:00`) }))
  records.hr_events = records.hr_events.map((e) => ({ ...e, date: new Date(`${e.date}T00:00:00+08:00`) }))
  return {
    period,
    assignments: readCsv(join(exampleDir, 'assignments.csv')),
    units: readCsv(join(exampleDir, 'units.csv')),
    targets: readCsv(join(exampleDir, 'targets.csv')),
    actuals: readCsv(join(exampleDir, 'actuals-2022.csv'))
      .filter((a) => a.period === period)
      .map(({ period: _, ...a }) => a),
    records,
  }
}

describe('the example company, 2022 from the records', () => {
  const versions = loadVersions(join(exampleDir, 'company-a-2022.json'))

  test('2022-06 equals the committed golden results', async () => {
    assert.ok(versions instanceof CompiledVersions)
    assert.equal(versions.id, 'company-a-2022')
    assert.equal(versions.span, 'period_start')
    const inputs = monthInputs('2022-06')
    const evaluation = versions.score(inputs)
    assert.equal(evaluation.plan_version, '2022.06')
    assert.deepEqual(evaluation.versions.map((v) => [v.version, v.effective_from, v.from, v.to, v.days]), [['2022.06', '2022-06-01', '2022-06-01', '2022-06-30', 30]])
    assert.deepEqual(evaluation.derivation.record_sets.map((s) => s.bad_records), [0, 0, 0, 0])
    const want = golden('2022-06')
    assert.equal(want.length, 27)
    assert.deepEqual(evaluation.results.map((r) => row('2022-06', r)), want)
    // The June change: the sales director's new-customer weight is 40.
    const director = evaluation.results.find((r) => r.subject === 'E002')
    assert.equal(director.items.find((i) => i.indicator === 'new_customers').weight, '40')
    assert.deepEqual(await versions.scoreAsync(inputs), evaluation)
    assert.deepEqual(JSON.parse(versions.scoreJson(inputs)), evaluation)
  })

  test('explanations name the version applied', () => {
    const [explanation] = versions.explain(monthInputs('2022-03'), 'E004')
    assert.equal(explanation.plan_version, '2022.03')
    assert.match(explanation.text, /version 2022\.03/)
    assert.equal(explanation.period, '2022-03')
    assert.match(explanation.text.split('\n')[1], /, period 2022-03$/)
    assert.equal(explanation.items.find((i) => i.indicator === 'on_time_supply_rate').weight, '60')
  })
})

describe('versions by file', () => {
  const path = join(exampleDir, 'versions-by-file.json')
  const versions = loadVersions(path)
  const handInputs = (period) => ({
    period,
    assignments: readCsv(join(exampleDir, 'assignments.csv')),
    actuals: readCsv(join(exampleDir, 'actuals.csv')),
    targets: readCsv(join(exampleDir, 'targets.csv')),
  })

  test('plan files are read relative to the document', () => {
    assert.deepEqual(versions.versions.map((v) => [v.effective_from, v.version]), [
      ['2022-01-01', '2022.01'],
      ['2022-03-01', '2022.03'],
      ['2022-06-01', '2022.06'],
    ])
    assert.ok(versions.versions[0].plan instanceof CompiledPlan)
    assert.equal(versions.version('2022.03').fingerprint, compileFile(join(exampleDir, 'plan-2022-03.json')).fingerprint)
    assert.equal(versions.versions[1].fingerprint, versions.version('2022.03').fingerprint)
    assert.equal(versions.inForce('2022-05-31').version, '2022.03')
    assert.equal(versions.inForce('2021-12-31'), null)
    assert.throws(() => versions.version('2022.02'), RangeError)
    // The document with its plans inline is the same document.
    const inline = compileVersions(versions.toObject())
    assert.equal(inline.fingerprint, versions.fingerprint)
    assert.equal(compileVersions(JSON.stringify(versions)).fingerprint, versions.fingerprint)
  })

  test('2022-03 is scored with version 2022.03', () => {
    const evaluation = versions.score(handInputs('2022-03'))
    assert.equal(evaluation.plan_version, '2022.03')
    assert.equal(evaluation.versions[0].version, '2022.03')
    assert.equal(evaluation.plan_fingerprint, versions.version('2022.03').fingerprint)
    const e004 = evaluation.results.find((r) => r.subject === 'E004')
    assert.equal(e004.items.find((i) => i.indicator === 'on_time_supply_rate').weight, '60')
    assert.equal(versions.score(handInputs('2022-01')).plan_version, '2022.01')
    assert.equal(versions.score(handInputs('2022-Q3')).plan_version, '2022.06')
  })

  test('the diff of 2022.01 → 2022.03', () => {
    const d = versions.diff('2022.01', '2022.03')
    assert.equal(d.from.version, '2022.01')
    assert.equal(d.to.version, '2022.03')
    const weight = d.changes.filter((c) => c.item === 'on_time_supply_rate' && c.field === 'weight')
    assert.equal(weight.length, 1)
    assert.deepEqual([weight[0].role, weight[0].before, weight[0].after, weight[0].path], ['purchasing_manager', '50', '60', 'roles[2].items[0].weight'])
    const text = versions.diffText('2022.01', '2022.03')
    assert.ok(text.startsWith('company-a-2022 2022.01 → 2022.03: 5 changes\n'), text)
    assert.ok(text.includes('on_time_supply_rate (供货及时率) weight 50 → 60'))
    assert.throws(() => versions.diff('2022.01', '2099.01'), RangeError)
    // The top-level diff of the two plan files is the same diff.
    const planText = readFileSync(join(exampleDir, 'plan.json'), 'utf8')
    const marchText = readFileSync(join(exampleDir, 'plan-2022-03.json'), 'utf8')
    assert.deepEqual(diff(planText, marchText), d)
    assert.deepEqual(diff(compileFile(join(exampleDir, 'plan.json')), versions.version('2022.03')), d)
    assert.equal(diffText(planText, marchText), text)
  })

  test('errors: files that cannot be read, plans that do not parse, unknown periods', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpichain-versions-'))
    try {
      const good = JSON.parse(readFileSync(join(exampleDir, 'plan.json'), 'utf8'))
      const bad = { ...good, version: '2', grades: 'none' }
      mkdirSync(join(dir, 'plans'))
      writeFileSync(join(dir, 'plans', 'one.json'), JSON.stringify(good))
      writeFileSync(join(dir, 'plans', 'two.json'), JSON.stringify(bad))
      const doc = { id: 'company-a-2022', versions: [{ effective_from: '2022-01-01', plan: 'plans/one.json' }, { effective_from: '2022-03-01', plan: 'plans/two.json' }] }
      writeFileSync(join(dir, 'versions.json'), JSON.stringify(doc))
      const error = catches(() => loadVersions(join(dir, 'versions.json')), 'KPI_PLAN_INVALID')
      assert.deepEqual(error.errors.map((e) => e.path), ['versions[1].plan.grades'])
      assert.match(error.errors[0].message, /plans\/two\.json/)
      doc.versions[1].plan = 'plans/missing.json'
      writeFileSync(join(dir, 'versions.json'), JSON.stringify(doc))
      catches(() => loadVersions(join(dir, 'versions.json')), 'KPI_IO_ERROR')
      catches(() => loadVersions(join(dir, 'nowhere.json')), 'KPI_IO_ERROR')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const missing = catches(() => versions.score({ assignments: [] }), 'KPI_INPUT_INVALID')
    assert.deepEqual(missing.errors.map((e) => [e.code, e.path]), [['missing_period', 'period']])
    const early = catches(() => versions.score(handInputs('2021-12')), 'KPI_INPUT_INVALID')
    assert.deepEqual(early.errors.map((e) => [e.code, e.path]), [['no_version_in_force', 'period']])
    assert.throws(() => compileVersions(42), TypeError)
    const invalid = JSON.parse(readFileSync(join(vectorsDir, 'invalid_versions.json'), 'utf8'))
    const compileError = catches(() => compileVersions(invalid.versions), 'KPI_PLAN_INVALID')
    assert.deepEqual(compileError.errors.map((e) => ({ code: e.code, path: e.path })), invalid.expected_plan_errors)
  })
})

describe('pro rata and diffs', () => {
  test('a quarter spanning a change: segments, explanations, totals', async () => {
    const vector = JSON.parse(readFileSync(join(vectorsDir, 'versions_pro_rata.json'), 'utf8'))
    const versions = compileVersions(vector.versions)
    assert.equal(versions.span, 'pro_rata')
    const evaluation = await versions.scoreAsync(vector.inputs, { explain: true })
    const [result] = evaluation.results
    assert.equal(result.total, '110.33')
    assert.deepEqual(result.items, [])
    assert.deepEqual(result.segments.map((s) => [s.version, s.days, s.result.total]), [
      ['v1', 59, '100.00'],
      ['v2', 31, '130.00'],
    ])
    const { explanation } = result
    assert.match(explanation.text, /pro rata/)
    assert.deepEqual(explanation.segments.map((s) => s.version), ['v1', 'v2'])
    assert.match(explanation.segments[1].explanation.text, /version v2/)
    assert.deepEqual(versions.explain(vector.inputs, 'E1')[0], explanation)
  })

  test('plans that do not compile can be compared; plans that cannot be read cannot', () => {
    const before = compileFile(join(exampleDir, 'plan.json'))
    const draft = JSON.parse(readFileSync(join(exampleDir, 'plan-invalid-weights.json'), 'utf8'))
    const d = diff(before, draft)
    assert.deepEqual(d.changes.filter((c) => c.section === 'item').map((c) => c.path), ['roles[2].items[0].weight'])
    assert.deepEqual(diff(before, before).changes, [])
    assert.match(diffText(before, before.toObject()), /no changes/)
    catches(() => diff(before, '{"id": "x"}'), 'KPI_PLAN_INVALID')
    assert.throws(() => diff(before, 42), TypeError)
    assert.equal(kpichain.diffSchema().title, 'PlanDiff')
    assert.equal(kpichain.versionsSchema().title, 'PlanVersions')
  })
})
