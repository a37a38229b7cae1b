// The batch API at scale: one `scoreBatchAsync` call with 1,000,000 subjects as columns, and
// how long the event loop waits meanwhile (a 1 ms interval timer records the largest gap).
//
// Run it against a release build of the addon (a debug build is ~20× slower), built into its
// own target folder so that the debug addon of the tests stays in place:
//
//   cd bindings/node
//   CARGO_TARGET_DIR=../../target/node-release npx napi build --platform --release -o ../../target/node-release/addon
//   NAPI_RS_NATIVE_LIBRARY_PATH=$PWD/../../target/node-release/addon/kpichain.linux-x64-gnu.node \
//     node bench/batch.mjs [subjects]
//
// Prints JSON: ns per subject for the whole call (copying on the main thread, then reading and
// scoring on the thread pool), the largest event-loop gap during it (must stay within 20 ms;
// each longer gap is listed with its phase), peak RSS, and the time of three whole-column
// getters afterwards. Exits 1 when a gap is over 20 ms or the results differ from `score` on
// the example's subjects. On a machine whose cores are busy with other work, gaps while the
// pool scores come from that work (the main thread is idle then): see `load_average`.

import { createRequire } from 'node:module'
import os from 'node:os'
import { exampleCompany } from '../test/helpers.mjs'

const require = createRequire(import.meta.url)
const kpichain = require('../kpichain.js')
const native = require('../index.js')

const subjects = Number(process.argv[2] ?? 1_000_000)
const MAX_STALL_MS = 20

const company = exampleCompany()
const plan = kpichain.compile(company.planText)
const base = company.inputs.assignments
const optimized = native.NativePlan.fromText(company.planText).__benchNative(JSON.stringify({ assignments: [] }), 1).optimized

/** The example company's subjects, repeated with distinct ids, as columns. */
function columns(n) {
  const position = new Map(base.map((a, i) => [a.subject, i]))
  const values = new Map() // indicator → values of the example's subjects
  for (const a of company.inputs.actuals) {
    if (!values.has(a.indicator)) values.set(a.indicator, new Array(base.length).fill(null))
    values.get(a.indicator)[position.get(a.subject)] = a.value === undefined ? null : Number(a.value)
  }
  const batch = {
    period: company.inputs.period,
    subjects: new Array(n),
    roles: new Array(n),
    bonusBases: new Array(n),
    actuals: Object.fromEntries([...values.keys()].map((k) => [k, new Array(n)])),
  }
  for (let i = 0; i < n; i++) {
    const k = i % base.length
    const a = base[k]
    batch.subjects[i] = `${a.subject}-${Math.floor(i / base.length)}`
    batch.roles[i] = a.role
    batch.bonusBases[i] = a.bonus_base === undefined ? null : Number(a.bonus_base)
    for (const [indicator, column] of values) batch.actuals[indicator][i] = column[k]
  }
  return batch
}

// The reference: the example's own subjects scored by `score` (targets left out, as in the batch).
const reference = plan.score({ period: company.inputs.period, assignments: base, actuals: company.inputs.actuals })

let t = performance.now()
const batch = columns(subjects)
const buildMs = performance.now() - t

// When the copying ends and the thread pool takes over (the wrapper calls finishAsync then).
let copiedAt = null
const finishAsync = native.NativeBatch.prototype.finishAsync
native.NativeBatch.prototype.finishAsync = function (...args) {
  copiedAt = performance.now()
  return finishAsync.apply(this, args)
}

// Event-loop probe: the gaps between 1 ms timer ticks while the call is under way.
let last = performance.now()
let maxGap = 0
const gaps = [] // [start, length] of every gap over MAX_STALL_MS
const probe = setInterval(() => {
  const now = performance.now()
  if (now - last > MAX_STALL_MS) gaps.push([last, now - last])
  maxGap = Math.max(maxGap, now - last)
  last = now
}, 1)

const loadBefore = os.loadavg()[0]
const callStart = performance.now()
last = callStart
const result = await plan.scoreBatchAsync(batch)
const scoreMs = performance.now() - callStart
clearInterval(probe)

t = performance.now()
const totals = result.totals()
const grades = result.grades()
const payouts = result.payouts()
const gettersMs = performance.now() - t

const same = reference.results.every((r, k) => totals[k] === r.total && grades[k] === r.grade && payouts[k] === r.payout)
const report = {
  subjects,
  results: result.length,
  optimized,
  build_columns_ms: Math.round(buildMs),
  score_batch_async_ms: Math.round(scoreMs),
  ns_per_subject: Math.round((scoreMs * 1e6) / subjects),
  copy_ms: Math.round(copiedAt - callStart),
  read_and_score_ms: Math.round(callStart + scoreMs - copiedAt),
  max_event_loop_stall_ms: Number(maxGap.toFixed(1)),
  // Stalls while the main thread copies are the wrapper's; while the pool scores, the main
  // thread is idle and a stall means the machine's cores were busy elsewhere (see load).
  stalls_over_20ms: gaps.map(([at, ms]) => ({ at_ms: Math.round(at - callStart), ms: Math.round(ms), while: at < copiedAt ? 'copying' : 'scoring' })),
  load_average: [Number(loadBefore.toFixed(2)), Number(os.loadavg()[0].toFixed(2))],
  cpus: os.cpus().length,
  getters_ms: Math.round(gettersMs),
  getters: 'totals() + grades() + payouts(), each a whole column (on the main thread)',
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  same_as_score: same,
}
console.log(JSON.stringify(report, null, 2))
if (!same || maxGap > MAX_STALL_MS || result.length !== subjects) process.exit(1)
