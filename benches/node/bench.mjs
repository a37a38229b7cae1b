// Node batch scoring against native Rust on the same data, in one run.
//
//   (cd bindings/node && npm run build)      # a release build of the addon
//   node benches/node/bench.mjs [copies] [rounds]
//
// Data: the sales company of the brief (examples/sales-company) repeated `copies` times with
// distinct subject ids (27 subjects per copy). Each round runs every variant once, in turn, with
// a garbage collection before each, so machine noise hits all variants alike; the figures are
// medians over the rounds.
//   rust         what a Rust program does with the batch, timed inside the addon:
//                Inputs::from_json -> CompiledPlan::evaluate -> serde_json::to_string
//   score        plan.score(objects): checks + JSON.stringify, native parse/evaluate/serialize,
//                JSON.parse of the results: JavaScript objects in, JavaScript objects out
//   scoreAsync   the same on the libuv thread pool
//   scoreJson    plan.scoreJson(objects) / scoreJsonAsync: results left as JSON text (what an
//                HTTP service sends on), so no JavaScript objects are built for them

import { spawnSync } from 'node:child_process'
import kpichain from '../../bindings/node/kpichain.js'
import { bigBatch, exampleCompany } from '../../bindings/node/test/helpers.mjs'

if (typeof globalThis.gc !== 'function') {
  // Re-run with --expose-gc so each measurement starts from a collected heap.
  const { status } = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' })
  process.exit(status ?? 1)
}

const copies = Number(process.argv[2] ?? 400)
const rounds = Number(process.argv[3] ?? 15)

const company = exampleCompany()
const plan = kpichain.compile(company.planText)
const batch = bigBatch(company.inputs, copies)
const text = JSON.stringify(batch)
const subjects = batch.assignments.length
const nativePlan = plan.native
const resultText = plan.scoreJson(batch)

const optimized = nativePlan.__benchNative(text, 1).optimized
if (!optimized) console.warn('warning: this is a debug build of the addon; run `npm run build` in bindings/node for real figures\n')

const rustStages = { parse: [], evaluate: [], serialize: [] }
const variants = {
  rust: async () => {
    const t = nativePlan.__benchNative(text, 1)
    rustStages.parse.push(t.parseMs)
    rustStages.evaluate.push(t.evaluateMs)
    rustStages.serialize.push(t.serializeMs)
    return t.parseMs + t.evaluateMs + t.serializeMs
  },
  score: timed(() => plan.score(batch)),
  scoreAsync: timed(() => plan.scoreAsync(batch)),
  scoreJson: timed(() => plan.scoreJson(batch)),
  scoreJsonAsync: timed(() => plan.scoreJsonAsync(batch)),
  stringify: timed(() => JSON.stringify(batch)),
  parse: timed(() => JSON.parse(resultText)),
}

function timed(fn) {
  return async () => {
    const t0 = performance.now()
    await fn()
    return performance.now() - t0
  }
}

const runs = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
const names = Object.keys(variants)
for (let round = -1; round < rounds; round++) {
  // Rotate the order so no variant always runs right after the same neighbour.
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + Math.max(round, 0)) % names.length]
    globalThis.gc()
    const ms = await variants[name]()
    if (round >= 0) runs[name].push(ms) // round -1 warms up
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]))
const rustStage = (k) => median(rustStages[k].slice(-rounds))
const us = (ms) => ((ms * 1000) / subjects).toFixed(2).padStart(7)
const row = (label, ms, note = '') => console.log(`${label.padEnd(42)} ${ms.toFixed(1).padStart(8)} ms ${us(ms)} µs/subject  ${note}`)
const ratio = (ms) => `${(ms / m.rust).toFixed(2)}× rust`

console.log(`kpichain batch scoring: ${company.source} × ${copies} = ${subjects} subjects, ${batch.actuals.length} actuals`)
console.log(`inputs ${(text.length / 1e6).toFixed(1)} MB JSON, results ${(resultText.length / 1e6).toFixed(1)} MB JSON; median of ${rounds} rounds; node ${process.versions.node}; ${optimized ? 'release' : 'DEBUG'} addon\n`)
row('rust: from_json + evaluate + to_string', m.rust, '(baseline)')
row('  Inputs::from_json', rustStage('parse'))
row('  CompiledPlan::evaluate', rustStage('evaluate'))
row('  serde_json::to_string', rustStage('serialize'))
row('node: plan.score(objects) -> objects', m.score, ratio(m.score))
row('node: await plan.scoreAsync(objects)', m.scoreAsync, ratio(m.scoreAsync))
row('node: plan.scoreJson(objects) -> JSON', m.scoreJson, ratio(m.scoreJson))
row('node: await plan.scoreJsonAsync(objects)', m.scoreJsonAsync, ratio(m.scoreJsonAsync))
row('  JSON.stringify(inputs) alone', m.stringify)
row('  JSON.parse(results) alone', m.parse)
