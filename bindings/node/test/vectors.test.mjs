// Runs every golden vector in tests/vectors/ (format: tests/vectors/README.md) through the
// Node binding: results by subset comparison, string for string; errors as {code, path} lists.
// A vector with `versions` (a plan with effective-dated versions) goes through
// `compileVersions` instead of `compile`.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import kpichain from '../kpichain.js'
import { numbersRoundTrip, rawMembers, vectorsDir } from './helpers.mjs'

const { compile, compileVersions, validate, isKpichainError } = kpichain

/** `expected` must be a subset of `actual`: objects by key, arrays by length and element, scalars exactly. */
function subset(expected, actual, path = '') {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path}: expected an object, got ${JSON.stringify(actual)}`)
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(Object.hasOwn(actual, k), `${path}.${k}: missing in the result`)
      subset(v, actual[k], `${path}.${k}`)
    }
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`)
    assert.equal(actual.length, expected.length, `${path}: expected ${expected.length} elements, got ${actual.length}`)
    expected.forEach((v, i) => subset(v, actual[i], `${path}[${i}]`))
  } else {
    assert.strictEqual(actual, expected, `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

const pairs = (issues) => issues.map((e) => ({ code: e.code, path: e.path }))

function thrown(fn, code) {
  try {
    fn()
  } catch (error) {
    assert.ok(isKpichainError(error), `expected a kpichain error, got ${error}`)
    assert.equal(error.code, code)
    return error
  }
  assert.fail(`expected a ${code} error, but the call succeeded`)
}

async function rejected(promise, code) {
  try {
    await promise
  } catch (error) {
    assert.ok(isKpichainError(error), `expected a kpichain error, got ${error}`)
    assert.equal(error.code, code)
    return error
  }
  assert.fail(`expected a ${code} rejection, but the call succeeded`)
}

const files = readdirSync(vectorsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()

test('the golden vector folder is not empty', () => {
  assert.ok(files.length > 0, `no vectors in ${vectorsDir}`)
})

for (const file of files) {
  test(`vector ${file}`, async () => {
    const text = readFileSync(join(vectorsDir, file), 'utf8')
    const doc = JSON.parse(text)
    const raw = rawMembers(text)
    const versioned = raw.versions !== undefined
    const member = versioned ? 'versions' : 'plan'
    assert.ok(raw[member], 'the vector has no plan or versions')
    // The exact text always; the JavaScript objects too when every number survives doubles.
    const planSources = [raw[member]]
    if (numbersRoundTrip(raw[member])) planSources.push(doc[member])
    const build = (source) => (versioned ? compileVersions(source) : compile(source, { format: 'json' }))

    if (doc.expected_plan_errors) {
      for (const source of planSources) {
        if (!versioned) assert.deepEqual(pairs(validate(source, { format: 'json' })), pairs(doc.expected_plan_errors), 'validate()')
        const error = thrown(() => build(source), 'KPI_PLAN_INVALID')
        assert.deepEqual(pairs(error.errors), pairs(doc.expected_plan_errors), 'compile errors')
      }
      return
    }

    if (!versioned) assert.deepEqual(validate(raw.plan, { format: 'json' }), [], 'validate() of a valid plan')
    assert.ok(raw.inputs, 'the vector has no inputs')
    const inputSources = [raw.inputs]
    if (numbersRoundTrip(raw.inputs)) inputSources.push(doc.inputs)
    for (const planSource of planSources) {
      const plan = build(planSource)
      for (const inputs of inputSources) {
        if (doc.expected_input_errors) {
          const want = pairs(doc.expected_input_errors)
          assert.deepEqual(pairs(thrown(() => plan.score(inputs), 'KPI_INPUT_INVALID').errors), want, 'score() errors')
          assert.deepEqual(pairs((await rejected(plan.scoreAsync(inputs), 'KPI_INPUT_INVALID')).errors), want, 'scoreAsync() errors')
          continue
        }
        assert.ok(doc.expected, 'the vector has no expected, expected_plan_errors or expected_input_errors')
        const sync = plan.score(inputs)
        subset(doc.expected, sync)
        assert.deepEqual(await plan.scoreAsync(inputs), sync, 'scoreAsync() gives the same result as score()')
        // Every result explains itself (a pro-rata result through its segments).
        const explained = plan.score(inputs, { explain: true })
        for (const r of explained.results) {
          assert.ok(r.explanation.text.includes(r.subject), 'the explanation names the subject')
          assert.equal(r.explanation.segments?.length ?? 0, r.segments?.length ?? 0, 'one explained segment per segment')
        }
      }
    }
  })
}
