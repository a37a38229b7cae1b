// Node batch scoring against native Rust on the same data, in one run.
//
//   (cd bindings/node && npm run build)      # a release build of the addon
//   node benches/node/bench.mjs [copies] [iterations]
//
// Data: the sales company of the brief (examples/sales-company) repeated `copies` times with
// distinct subject ids (27 subjects per copy). Measured, median of `iterations` runs:
//   rust        what a Rust program does with the batch, timed inside the addon:
//               Inputs::from_json -> CompiledPlan::evaluate -> serde_json::to_string
//   node sync   plan.score(objects): checks + JSON.stringify, native parse/evaluate/serialize,
//               JSON.parse of the results, from JavaScript objects to JavaScript objects
//   node async  plan.scoreAsync(objects): the same on the libuv thread pool
//   node json   plan.scoreJson / scoreJsonAsync(objects): results left as JSON text (what an
//               HTTP service sends on), so no JavaScript objects are built for them
// and reports the cost per subject and the ratio to Rust.

import kpichain from '../../bindings/node/kpichain.js'
import { bigBatch, exampleCompany } from '../../bindings/node/test/helpers.mjs'

const copies = Number(process.argv[2] ?? 400)
const iterations = Number(process.argv[3] ?? 7)

const company = exampleCompany()
const plan = kpichain.compile(company.planText)
const batch = bigBatch(company.inputs, copies)
const text = JSON.stringify(batch)
const subjects = batch.assignments.length

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function timeSync(fn) {
  fn() // warm-up
  const runs = []
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now()
    fn()
    runs.push(performance.now() - t0)
  }
  return median(runs)
}

async function timeAsync(fn) {
  await fn()
  const runs = []
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now()
    await fn()
    runs.push(performance.now() - t0)
  }
  return median(runs)
}

const nativePlan = plan.native
const first = nativePlan.__benchNative(text, 1)
if (!first.optimized) console.warn('warning: this is a debug build of the addon; run `npm run build` in bindings/node for real figures\n')
const rustRuns = []
const stages = { parse: [], evaluate: [], serialize: [] }
for (let i = 0; i < iterations; i++) {
  const t = nativePlan.__benchNative(text, 1)
  rustRuns.push(t.parseMs + t.evaluateMs + t.serializeMs)
  stages.parse.push(t.parseMs)
  stages.evaluate.push(t.evaluateMs)
  stages.serialize.push(t.serializeMs)
}
const rust = median(rustRuns)
const rustEvaluate = median(stages.evaluate)

let resultBytes = 0
const nodeSync = timeSync(() => plan.score(batch))
const nodeAsync = await timeAsync(() => plan.scoreAsync(batch))
const nodeJson = timeSync(() => plan.scoreJson(batch))
const nodeJsonAsync = await timeAsync(() => plan.scoreJsonAsync(batch))
const stringify = timeSync(() => JSON.stringify(batch))
const resultText = nativePlan.score(text, false)
resultBytes = resultText.length
const parse = timeSync(() => JSON.parse(resultText))

const us = (ms) => ((ms * 1000) / subjects).toFixed(2).padStart(8)
const row = (label, ms, note = '') => console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms ${us(ms)} µs/subject  ${note}`)

console.log(`kpichain batch scoring — ${company.source} × ${copies} = ${subjects} subjects, ${batch.actuals.length} actuals`)
console.log(`inputs ${(text.length / 1e6).toFixed(1)} MB JSON, results ${(resultBytes / 1e6).toFixed(1)} MB JSON; median of ${iterations} runs; node ${process.versions.node}; ${first.optimized ? 'release' : 'DEBUG'} addon\n`)
row('rust: from_json + evaluate + to_string', rust, '(baseline)')
row('  rust: Inputs::from_json', median(stages.parse))
row('  rust: CompiledPlan::evaluate', rustEvaluate)
row('  rust: serde_json::to_string', median(stages.serialize))
row('node: plan.score(objects) -> objects', nodeSync, `${(nodeSync / rust).toFixed(2)}× rust`)
row('node: await plan.scoreAsync(objects)', nodeAsync, `${(nodeAsync / rust).toFixed(2)}× rust`)
row('node: plan.scoreJson(objects) -> JSON text', nodeJson, `${(nodeJson / rust).toFixed(2)}× rust`)
row('node: await plan.scoreJsonAsync(objects)', nodeJsonAsync, `${(nodeJsonAsync / rust).toFixed(2)}× rust`)
row('  js: JSON.stringify(inputs)', stringify)
row('  js: JSON.parse(results)', parse)
console.log(`\nnode sync / rust evaluate alone: ${(nodeSync / rustEvaluate).toFixed(2)}×`)
