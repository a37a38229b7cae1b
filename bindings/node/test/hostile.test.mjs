// Hostile values never crash the process: values that contain themselves or nest too deep
// are refused with the same codes as in Python and the core, at their path.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import kpichain from '../kpichain.js'
import { fixturesDir } from './helpers.mjs'

const { compile, validate } = kpichain
const planObject = JSON.parse(readFileSync(join(fixturesDir, 'plan.json'), 'utf8'))

function deep(n) {
  let value = 'x'
  for (let i = 0; i < n; i++) value = [value]
  return value
}

function thrown(fn) {
  try {
    fn()
  } catch (error) {
    return error
  }
  assert.fail('expected an error')
}

test('a plan value 100,000 deep is refused at its path', () => {
  const error = thrown(() => compile({ ...planObject, description: deep(100_000) }))
  assert.equal(error.code, 'KPI_PLAN_INVALID')
  assert.equal(error.errors[0].code, 'nesting_too_deep')
  assert.ok(error.errors[0].path.startsWith('description[0]'), error.errors[0].path)
  assert.equal(validate({ ...planObject, description: deep(200) })[0].code, 'nesting_too_deep')
})

test('a plan value that contains itself is refused at its path', () => {
  const loop = {}
  loop.again = loop
  const error = thrown(() => compile({ ...planObject, description: loop }))
  assert.deepEqual(error.errors.map((e) => [e.code, e.path]), [['cyclic_value', 'description.again']])
})

test('inputs that contain themselves or nest too deep are refused', () => {
  const plan = compile(planObject)
  const loop = { subject: 'E1', role: 'sales_rep' }
  loop.attributes = loop
  const cyclic = thrown(() => plan.score({ assignments: [loop], actuals: [] }))
  assert.equal(cyclic.code, 'KPI_INPUT_INVALID')
  assert.equal(cyclic.errors[0].code, 'cyclic_value')
  assert.equal(cyclic.errors[0].path, 'assignments[0].attributes')
  const tooDeep = thrown(() => plan.score({ assignments: [{ subject: 'E1', role: 'sales_rep', attributes: deep(100_000) }], actuals: [] }))
  assert.equal(tooDeep.errors[0].code, 'nesting_too_deep')
  // Deep enough to pass JSON.stringify: the core refuses it with the same code.
  const core = thrown(() => plan.score({ assignments: [{ subject: 'E1', role: 'sales_rep', attributes: deep(500) }], actuals: [] }))
  assert.equal(core.errors[0].code, 'nesting_too_deep')
})

test('NaN in a derivation request is refused, not sent as null', () => {
  const request = {
    time_zone: '+08:00',
    period: '2022-03',
    records: { orders: { fields: [{ name: 'rep', kind: 'text' }, { name: 'amount', kind: 'decimal', optional: true }, { name: 'at', kind: 'timestamp' }], rows: [['E1', NaN, '2022-03-01 09:00']] } },
    measures: [{ indicator: 'orders', measure: { records: 'orders', subject: 'rep', time: 'at', value: { type: 'count' } } }],
  }
  const error = thrown(() => kpichain.deriveActuals(request))
  assert.equal(error.code, 'KPI_INPUT_INVALID')
  assert.ok(error.errors.some((e) => e.path.startsWith('records.orders')), JSON.stringify(error.errors))
})
