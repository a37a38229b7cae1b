// Runs every measure vector in tests/vectors/measures/ (format and comparison rules:
// tests/vectors/measures/README.md) through `deriveActuals`: `expected.actuals` exactly and in
// order, `expected.report` as a subset, errors as ordered {code, path} lists. Each file is run
// as its JSON text and, when every number survives doubles, as the parsed object.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import kpichain from '../kpichain.js'
import { numbersRoundTrip, vectorsDir } from './helpers.mjs'

const { deriveActuals, isKpichainError } = kpichain
const measuresDir = join(vectorsDir, 'measures')

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

const files = readdirSync(measuresDir)
  .filter((f) => f.endsWith('.json'))
  .sort()

test('the measure vector folder is not empty', () => {
  assert.ok(files.length > 0, `no measure vectors in ${measuresDir}`)
})

function check(doc, request) {
  if (doc.expected_errors) {
    let caught
    try {
      deriveActuals(request)
    } catch (error) {
      caught = error
    }
    assert.ok(isKpichainError(caught), `expected a kpichain error, got ${caught}`)
    assert.equal(caught.code, 'KPI_INPUT_INVALID')
    assert.deepEqual(pairs(caught.errors), pairs(doc.expected_errors))
    return
  }
  const derived = deriveActuals(request)
  assert.deepEqual(derived.actuals, doc.expected.actuals, 'actuals, exactly and in order')
  if (doc.expected.report !== undefined) subset(doc.expected.report, derived.report, 'report')
}

for (const file of files) {
  test(`measure vector ${file}`, () => {
    const text = readFileSync(join(measuresDir, file), 'utf8')
    const doc = JSON.parse(text)
    assert.ok((doc.expected === undefined) !== (doc.expected_errors === undefined), 'exactly one of expected, expected_errors')
    check(doc, text)
    if (numbersRoundTrip(text)) check(doc, doc)
  })
}

test('deriveActuals refuses what is not a request', () => {
  assert.throws(() => deriveActuals(42), TypeError)
  assert.throws(() => deriveActuals([]), TypeError)
})
