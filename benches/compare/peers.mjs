// The Node peers of the comparison, one per process:
//
//   node benches/compare/peers.mjs PEER --data data/wide_10000.csv [--repeat R] [--budget S]
//                                       [--out FILE] [--plan plan.json] [--chunk N]
//
// PEER is one of:
//   kpichain_node  the kpichain addon (bindings/node, built in release by `make bench-compare`):
//                  `plan.scoreBatch` on columns by default (`API` below: one line to switch)
//   node_float     a plain JavaScript loop over the rows with IEEE-754 doubles
//
// Each reads the wide CSV into its natural in-memory input (objects with numbers; not timed as
// evaluation), then times evaluation only, from that input to totals and grades in memory: up
// to R passes (stopping once S seconds of evaluation are spent, after at least 3), the median
// reported. Results are written to FILE as employee_id,total,grade outside the timing. Prints
// one JSON line: peer, employees, read_s, eval_s (every pass), eval_median_s, and for
// kpichain the API used and the chunk size (0: the whole batch in one call; when the whole
// batch fails, that pass is not counted and the passes run in chunks of 100,000, with the
// error in whole_batch_failed).

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

// kpichain's batch API, in one place: 'scoreBatch' (columns in, columns out) or 'score' (the
// core's JSON shape both ways, with every item of every result).
const API = 'scoreBatch'

// Each API with the input it takes (built while reading, not timed) and how totals and grades
// are read from what it returns.
const ADAPTERS = {
  score: {
    // {assignments: [{subject, role}], actuals: [{subject, <indicator>: number}]} (wide rows).
    input(rows) {
      const assignments = new Array(rows.length)
      const actuals = new Array(rows.length)
      for (let i = 0; i < rows.length; i++) {
        const { employee_id: subject, role, ...values } = rows[i]
        assignments[i] = { subject, role }
        actuals[i] = { subject, ...values }
      }
      return { assignments, actuals }
    },
    size: (inputs) => inputs.assignments.length,
    slice: (inputs, s, e) => ({ assignments: inputs.assignments.slice(s, e), actuals: inputs.actuals.slice(s, e) }),
    score: (plan, inputs) => columns(plan.score(inputs).results),
  },
  scoreBatch: {
    // {subjects, roles, actuals: {<indicator>: column}}: one array per column, null for no value.
    input(rows, indicators) {
      const n = rows.length
      const subjects = new Array(n)
      const roles = new Array(n)
      const actuals = Object.fromEntries(indicators.map((k) => [k, new Array(n).fill(null)]))
      for (let i = 0; i < n; i++) {
        const row = rows[i]
        subjects[i] = row.employee_id
        roles[i] = row.role
        for (const k of indicators) if (k in row) actuals[k][i] = row[k]
      }
      return { subjects, roles, actuals }
    },
    size: (batch) => batch.subjects.length,
    slice: (batch, s, e) => ({
      subjects: batch.subjects.slice(s, e),
      roles: batch.roles.slice(s, e),
      actuals: Object.fromEntries(Object.entries(batch.actuals).map(([k, v]) => [k, v.slice(s, e)])),
    }),
    score(plan, batch) {
      const r = plan.scoreBatch(batch)
      return { ids: r.subjects(), totals: r.totals(), grades: r.grades() }
    },
  },
}

function columns(results) {
  const n = results.length
  const ids = new Array(n)
  const totals = new Array(n)
  const grades = new Array(n)
  for (let i = 0; i < n; i++) {
    const r = results[i]
    ids[i] = r.subject
    totals[i] = r.total
    grades[i] = r.grade
  }
  return { ids, totals, grades }
}

function parseArgs(argv) {
  const a = { peer: argv[0], repeat: 1, budget: 5, out: null, plan: join(here, 'plan.json'), chunk: -1 }
  for (let i = 1; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]]
    if (value === undefined) throw new Error(`${flag} needs a value`)
    if (flag === '--data') a.data = value
    else if (flag === '--repeat') a.repeat = Number(value)
    else if (flag === '--budget') a.budget = Number(value)
    else if (flag === '--out') a.out = value
    else if (flag === '--plan') a.plan = value
    else if (flag === '--chunk') a.chunk = Number(value)
    else throw new Error(`unknown argument ${flag}`)
  }
  if (!a.data || !['kpichain_node', 'node_float'].includes(a.peer)) {
    throw new Error('usage: peers.mjs kpichain_node|node_float --data FILE [--repeat R] [--budget S] [--out FILE]')
  }
  return a
}

// The wide CSV's indicator columns.
function indicatorColumns(path) {
  const text = readFileSync(path, 'utf8')
  return text.slice(0, text.indexOf('\n')).split(',').slice(2)
}

// The wide CSV as objects: {employee_id, role, <indicator>: number} without the empty cells.
function readWide(path) {
  const lines = readFileSync(path, 'utf8').split('\n')
  const header = lines[0].split(',')
  const rows = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    if (line === '') continue
    const cells = line.split(',')
    const row = { employee_id: cells[0], role: cells[1] }
    for (let j = 2; j < cells.length; j++) {
      if (cells[j] !== '') row[header[j]] = Number(cells[j])
    }
    rows.push(row)
  }
  return rows
}

const RETRY = Symbol('retry')

// ---- kpichain ---------------------------------------------------------------------------

function kpichainPeer(a) {
  const kpichain = require(join(here, '../../bindings/node/kpichain.js'))
  const plan = kpichain.loadPlan(a.plan)
  const api = ADAPTERS[API]
  let chunk = a.chunk
  let fallback = null
  return {
    read: (path) => api.input(readWide(path), indicatorColumns(path)),
    evaluate(inputs) {
      const n = api.size(inputs)
      if (chunk < 0) {
        // The whole batch in one call when it fits; chunks of 100,000 when it does not (the
        // inputs' or results' JSON text beyond what one V8 string holds).
        try {
          return api.score(plan, inputs)
        } catch (e) {
          if (!(e instanceof RangeError) && !/string|memory|length/i.test(String(e))) throw e
          chunk = 100_000
          fallback = String(e).slice(0, 160)
          return RETRY // this pass is not counted: the next one runs in chunks
        }
      }
      if (chunk === 0 || chunk >= n) return api.score(plan, inputs)
      const out = { ids: [], totals: [], grades: [] }
      for (let s = 0; s < n; s += chunk) {
        const part = api.score(plan, api.slice(inputs, s, s + chunk))
        for (const k of ['ids', 'totals', 'grades']) for (const v of part[k]) out[k].push(v)
      }
      return out
    },
    rows: (r) => r.ids.map((id, i) => `${id},${r.totals[i]},${r.grades[i]}`),
    extra: () => ({ api: API, chunk: Math.max(chunk, 0), ...(fallback ? { whole_batch_failed: fallback } : {}) }),
  }
}

// ---- plain float loop -------------------------------------------------------------------

function floatPeer() {
  const w = JSON.parse(readFileSync(join(here, 'workload.json'), 'utf8'))
  const lin = Object.fromEntries(Object.entries(w.linear).map(([k, v]) => [k, Number(v)]))
  const edges = w.tiers.edges.map(([lo, s]) => [Number(lo), Number(s)]).reverse()
  const tierBelow = Number(w.tiers.below_score)
  const ded = Object.fromEntries(Object.entries(w.deduction).map(([k, v]) => [k, Number(v)]))
  const roles = {}
  for (const [role, items] of Object.entries(w.roles)) {
    roles[role] = items.map((it) => ({
      indicator: it.indicator,
      kind: it.rule,
      weight: Number(it.weight) / 100,
      t: Number(it.threshold),
      g: Number(it.target),
      x: Number(it.stretch),
      f: Number(it.threshold_score),
    }))
  }
  const grades = w.grades.slice(0, -1).map(([g, lo]) => [g, Number(lo)])
  const lowest = w.grades[w.grades.length - 1][0]

  function score(it, a) {
    switch (it.kind) {
      case 'linear_higher':
        if (a < it.t) return lin.below_score
        if (a < it.g) return it.f + ((a - it.t) * (lin.target_score - it.f)) / (it.g - it.t)
        if (a < it.x) return lin.target_score + ((a - it.g) * (lin.stretch_score - lin.target_score)) / (it.x - it.g)
        return lin.stretch_score
      case 'linear_lower':
        if (a > it.t) return lin.below_score
        if (a > it.g) return it.f + ((it.t - a) * (lin.target_score - it.f)) / (it.t - it.g)
        if (a > it.x) return lin.target_score + ((it.g - a) * (lin.stretch_score - lin.target_score)) / (it.g - it.x)
        return lin.stretch_score
      case 'tiered': {
        const p = (a / it.g) * 100
        for (const [lo, s] of edges) if (p >= lo) return s
        return tierBelow
      }
      default:
        return Math.max(ded.floor, ded.start - ded.points * a)
    }
  }

  return {
    read: readWide,
    evaluate(rows) {
      const n = rows.length
      const totals = new Float64Array(n)
      const out = new Array(n)
      for (let i = 0; i < n; i++) {
        const row = rows[i]
        let total = 0
        for (const it of roles[row.role]) total += it.weight * score(it, row[it.indicator])
        const rounded = Math.floor(total * 100 + 0.5) / 100
        totals[i] = rounded
        let grade = lowest
        for (const [g, lo] of grades) {
          if (rounded >= lo) {
            grade = g
            break
          }
        }
        out[i] = grade
      }
      return { ids: rows.map((r) => r.employee_id), totals, grades: out }
    },
    rows: (r) => r.ids.map((id, i) => `${id},${r.totals[i].toFixed(2)},${r.grades[i]}`),
    extra: () => ({}),
  }
}

const a = parseArgs(process.argv.slice(2))
const peer = a.peer === 'kpichain_node' ? kpichainPeer(a) : floatPeer()
let t0 = process.hrtime.bigint()
const data = peer.read(a.data)
const readS = Number(process.hrtime.bigint() - t0) / 1e9
const times = []
let result = null
while (times.length < Math.max(a.repeat, 1)) {
  result = null // the previous pass's results can be collected before the next one starts
  t0 = process.hrtime.bigint()
  result = peer.evaluate(data)
  if (result === RETRY) continue
  times.push(Number(process.hrtime.bigint() - t0) / 1e9)
  if (times.length >= 3 && times.reduce((s, t) => s + t, 0) > a.budget) break
}
if (a.out) writeFileSync(a.out, ['employee_id,total,grade', ...peer.rows(result), ''].join('\n'))
const sorted = [...times].sort((x, y) => x - y)
const m = sorted.length
const median = m % 2 ? sorted[(m - 1) / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2
const n = Array.isArray(data) ? data.length : (data.subjects ?? data.assignments).length
console.log(JSON.stringify({ peer: a.peer, employees: n, read_s: readS, eval_s: times, eval_median_s: median, ...peer.extra() }))
