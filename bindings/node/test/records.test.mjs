// Actuals derived from raw business records; org units, scorecard variants, item sources and
// role links; bad records under both policies; Dates and non-finite numbers from JavaScript.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import kpichain from '../kpichain.js'

const { compile, isKpichainError } = kpichain

const PLAN = {
  id: 'chain',
  version: '1',
  time_zone: '+08:00',
  missing_data: 'zero',
  records: [
    {
      name: 'orders',
      description: 'CRM 订单',
      fields: [
        { name: 'rep', kind: 'text' },
        { name: 'amount', kind: 'decimal' },
        { name: 'confirmed_at', kind: 'timestamp' },
        { name: 'booked_on', kind: 'date', optional: true },
        { name: 'vip', kind: 'boolean', optional: true },
      ],
    },
  ],
  indicators: [
    {
      id: 'sales',
      name: '销售额',
      measure: { records: 'orders', subject: 'rep', time: 'confirmed_at', value: { type: 'sum', field: 'amount' }, scale: 2 },
    },
    {
      id: 'bookings',
      name: '下单数',
      measure: { records: 'orders', subject: 'rep', time: 'booked_on', value: { type: 'count' } },
    },
    { id: 'team_total', name: '团队平均得分' },
  ],
  roles: [
    {
      id: 'rep',
      name: '销售代表',
      items: [
        { indicator: 'sales', weight: 80, target: 100, rule: { type: 'ratio', cap: 150 } },
        { indicator: 'bookings', weight: 20, target: 2, rule: { type: 'ratio', cap: 150 } },
      ],
      variants: [
        {
          id: 'south',
          name: '南区销售代表',
          region: 'south',
          items: [{ indicator: 'sales', weight: 100, target: 50, rule: { type: 'ratio', cap: 150 } }],
        },
      ],
    },
    {
      id: 'director',
      name: '销售总监',
      items: [
        { indicator: 'sales', weight: 50, target: 40, rule: { type: 'ratio', cap: 150 }, source: { from: 'unit' } },
        {
          id: 'team',
          indicator: 'team_total',
          weight: 50,
          target: 100,
          rule: { type: 'ratio', cap: 150 },
          source: { from: 'role', role: 'rep', value: 'total', aggregate: 'avg', scope: 'team' },
        },
      ],
    },
  ],
  grades: [
    { grade: 'A', min: 100, coefficient: '1.2' },
    { grade: 'B', min: 60, coefficient: '1.0' },
    { grade: 'C', coefficient: '0.5' },
  ],
}

const UNITS = [
  { id: '销售部', name: '销售部' },
  { id: '南区', name: '南区销售部', parent: '销售部', region: 'south' },
  { id: '北区', name: '北区销售部', parent: '销售部', region: 'north' },
]

const ASSIGNMENTS = [
  { subject: 'D1', role: 'director', name: '李明辉', unit: '南区' },
  { subject: 'E1', role: 'rep', name: '张伟', unit: '南区', manager: 'D1' },
  { subject: 'E2', role: 'rep', name: '王磊', unit: '北区', manager: 'D1' },
  { subject: 'E3', role: 'rep', name: '刘洋', unit: '北区' },
]

// As text: local times are wall time in the plan's +08:00.
const ORDERS = [
  { rep: 'E1', amount: '30.5', confirmed_at: '2022-03-01 00:00:00', booked_on: '2022-02-28', vip: true },
  { rep: 'E1', amount: 20, confirmed_at: '2022-02-28T16:00:00Z', booked_on: null, vip: false },
  { rep: 'E1', amount: '999', confirmed_at: '2022-02-28 23:59:59', booked_on: '2022-02-27' },
  { rep: 'E2', amount: 90.25, confirmed_at: '2022-03-31 23:59:59', booked_on: '2022-03-01', vip: null },
  { rep: 'E2', amount: '1000', confirmed_at: '2022-04-01 00:00:00', booked_on: '2022-03-30', vip: true },
  { rep: 'E3', amount: '12.5', confirmed_at: '2022-03-15 12:00:00', booked_on: '2022-03-15', vip: true },
]

// The same records with JavaScript values: Dates (instants) for the timestamps, Dates for the
// dates (their calendar day in +08:00), numbers and BigInts for the amounts.
const ORDERS_JS = [
  { rep: 'E1', amount: 30.5, confirmed_at: new Date('2022-02-28T16:00:00Z'), booked_on: new Date('2022-02-28T01:00:00+08:00'), vip: true },
  { rep: 'E1', amount: 20n, confirmed_at: new Date(Date.UTC(2022, 1, 28, 16)), vip: false },
  { rep: 'E1', amount: 999, confirmed_at: new Date('2022-02-28T15:59:59Z'), booked_on: new Date('2022-02-26T16:00:00Z') },
  { rep: 'E2', amount: 90.25, confirmed_at: new Date('2022-03-31T15:59:59Z'), booked_on: new Date('2022-02-28T16:30:00Z'), vip: undefined },
  { rep: 'E2', amount: 1000, confirmed_at: new Date('2022-03-31T16:00:00Z'), booked_on: new Date('2022-03-30T23:59:59+08:00'), vip: true },
  { rep: 'E3', amount: '12.50', confirmed_at: new Date('2022-03-15T04:00:00Z'), booked_on: new Date('2022-03-15T00:00:00+08:00'), vip: true },
]

const inputs = (orders = ORDERS, extra = {}) => ({ period: '2022-03', assignments: ASSIGNMENTS, units: UNITS, records: { orders }, ...extra })
const plan = compile(PLAN)
const byId = (evaluation) => Object.fromEntries(evaluation.results.map((r) => [r.subject, r]))
const item = (result, id) => result.items.find((i) => i.item === id)

function thrown(fn) {
  try {
    fn()
  } catch (error) {
    assert.ok(isKpichainError(error), `expected a kpichain error, got ${error}`)
    assert.equal(error.code, 'KPI_INPUT_INVALID')
    return error
  }
  assert.fail('expected KPI_INPUT_INVALID, but the call succeeded')
}
const pairs = (error) => error.errors.map((e) => [e.code, e.path])

describe('records and units', () => {
  test('objects, JSON text, sync and async give the same evaluation', async () => {
    const object = plan.score(inputs())
    const text = JSON.stringify(inputs())
    assert.deepEqual(plan.score(text), object)
    assert.deepEqual(await plan.scoreAsync(inputs()), object)
    assert.equal(plan.scoreJson(inputs()), plan.scoreJson(text))
    assert.equal(await plan.scoreJsonAsync(inputs()), plan.scoreJson(text))
    assert.deepEqual(JSON.parse(plan.scoreJson(text)), object)
  })

  test('the derived actuals, with periods placed in the plan time zone', () => {
    const ev = plan.score(inputs())
    const r = byId(ev)
    // 30.5 at local midnight on 1 March and 20 at 16:00Z on 28 February (the same instant) are
    // in March; 999 a second before midnight is not; 1000 on 1 April is not.
    assert.equal(item(r.E1, 'sales').actual, '50.50')
    assert.equal(item(r.E2, 'sales').actual, '90.25')
    assert.equal(item(r.E2, 'bookings').actual, '2') // booked 1 and 30 March
    assert.deepEqual(ev.derivation.record_sets, [{ name: 'orders', records_read: 6, records: 6, bad_records: 0 }])
    assert.equal(ev.derivation.time_zone, '+08:00')
    assert.deepEqual(ev.derivation.measures.map((m) => [m.indicator, m.actuals]), [['sales', 3], ['bookings', 2]])
    // E1's order without a booking day is in no period of `bookings`: a note says so.
    assert.deepEqual(ev.derivation.measures[1].notes.map((n) => [n.code, n.records]), [['missing_time', 1]])
    assert.equal(plan.score({ assignments: ASSIGNMENTS.slice(1), actuals: [] }).derivation, undefined)
  })

  test('Date values: timestamps are instants, dates their calendar day in the plan time zone', async () => {
    const expected = plan.score(inputs())
    assert.deepEqual(plan.score(inputs(ORDERS_JS)), expected)
    assert.deepEqual(await plan.scoreAsync(inputs(ORDERS_JS)), expected)
    assert.deepEqual(JSON.parse(plan.scoreJson(inputs(ORDERS_JS))), expected)
    // The caller's objects are left as they were.
    assert.ok(ORDERS_JS[0].confirmed_at instanceof Date)
    // A date field takes the day in +08:00: 16:30Z on 28 February is 1 March there.
    const one = (booked_on) => ({ ...inputs([{ rep: 'E2', amount: 1, confirmed_at: '2022-03-02 10:00', booked_on }]) })
    assert.equal(item(byId(plan.score(one(new Date('2022-02-28T16:30:00Z')))).E2, 'bookings').actual, '1')
    assert.equal(item(byId(plan.score(one(new Date('2022-02-28T15:59:59Z')))).E2, 'bookings').actual, null) // 28 February: no bookings in March
    // In a plan at -05:00 the same instant is 28 February.
    const west = compile({ ...PLAN, time_zone: '-05:00' })
    assert.equal(item(byId(west.score(one(new Date('2022-03-01T04:59:59Z')))).E2, 'bookings').actual, null)
    assert.equal(item(byId(west.score(one(new Date('2022-03-01T05:00:00Z')))).E2, 'bookings').actual, '1')
  })

  test('variants, sources and role links are in the results and explanations', () => {
    const ev = plan.score(inputs())
    const { D1, E1, E2 } = byId(ev)
    assert.equal(E1.variant, 'south')
    assert.deepEqual(E1.items.map((i) => i.item), ['sales'])
    assert.equal(E1.total, '101.00')
    assert.equal(E2.variant, undefined)
    assert.equal(D1.sources.length, 2)
    assert.deepEqual(D1.sources[0], {
      item: 'sales',
      from: 'unit',
      id: '南区',
      detail: "unit '南区', indicator 'sales': derived from the records of the unit's members",
    })
    assert.deepEqual([D1.sources[1].from, D1.sources[1].id], ['role', 'rep'])
    assert.match(D1.sources[1].detail, /2 subjects holding role 'rep' \(scope team\)/)
    assert.equal(item(D1, 'sales').actual, '50.50')
    assert.equal(Number(item(D1, 'team').actual), (Number(E1.total) + Number(E2.total)) / 2)
    const [explained] = plan.explain(inputs(), 'D1')
    assert.match(explained.items[0].source, /unit '南区'/)
    assert.match(explained.text, /actual from unit '南区'/)
    const [e1] = plan.explain(inputs(), 'E1')
    assert.equal(e1.variant, 'south')
    assert.equal(e1.role_name, '南区销售代表')
    // Without managers the team is empty.
    const noTeam = plan.score({ ...inputs(), assignments: ASSIGNMENTS.map(({ manager: _m, ...a }) => a) })
    assert.equal(item(byId(noTeam).D1, 'team').actual, null)
  })

  test('units and records are checked by the core, with paths', () => {
    assert.deepEqual(pairs(thrown(() => plan.score(inputs(ORDERS, { units: UNITS.slice(0, 2) })))), [
      ['unknown_unit', 'assignments[2].unit'],
      ['unknown_unit', 'assignments[3].unit'],
    ])
    assert.deepEqual(pairs(thrown(() => plan.score({ ...inputs(), records: { refunds: [] } }))), [['unknown_record_set', 'records.refunds']])
    assert.deepEqual(pairs(thrown(() => plan.score({ ...inputs(), period: undefined }))), [['missing_period', 'period']])
    assert.deepEqual(pairs(thrown(() => plan.score(inputs([{ rep: 'E1', amount: [1], confirmed_at: '2022-03-01 10:00' }])))), [
      ['bad_value', 'records.orders[0].amount'],
    ])
  })
})

describe('bad records', () => {
  const BAD = [
    ...ORDERS,
    { rep: 'E1', amount: null, confirmed_at: '2022-03-02 10:00' },
    { rep: 'E2', amount: '12,5', confirmed_at: 'yesterday', vip: 'maybe' },
    { rep: 'E3', amount: 1, confirmed_at: new Date(Number.NaN), booked_on: '2022-02-30' },
  ]
  const WANT = [
    ['missing_value', 'records.orders[6].amount'],
    ['bad_value', 'records.orders[7].amount'],
    ['bad_value', 'records.orders[7].confirmed_at'],
    ['bad_value', 'records.orders[7].vip'],
    ['bad_value', 'records.orders[8].confirmed_at'],
    ['bad_value', 'records.orders[8].booked_on'],
  ]

  test('stop the evaluation by default, listing every problem', async () => {
    const error = thrown(() => plan.score(inputs(BAD)))
    assert.deepEqual(pairs(error), WANT)
    assert.match(error.errors[0].message, /field 'amount': the field is required/)
    assert.match(error.errors[4].message, /field 'confirmed_at': "Invalid Date"/)
    let rejected
    await plan.scoreAsync(inputs(BAD)).catch((e) => (rejected = e))
    assert.deepEqual(pairs(rejected), WANT)
  })

  test('are left out and counted under bad_records: skip', () => {
    const skipping = compile({ ...PLAN, bad_records: 'skip' })
    const ev = skipping.score(inputs(BAD))
    assert.deepEqual(ev.derivation.record_sets, [{ name: 'orders', records_read: 9, records: 6, bad_records: 3 }])
    assert.deepEqual(ev.derivation.bad_records.map((b) => [b.row, b.source, b.problems.map((p) => p.field)]), [
      [6, undefined, ['amount']],
      [7, undefined, ['amount', 'confirmed_at', 'vip']],
      [8, undefined, ['confirmed_at', 'booked_on']],
    ])
    assert.deepEqual(ev.results, skipping.score(inputs()).results)
  })

  for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    test(`${value} in a decimal field is a bad value naming records.orders[3].amount`, async () => {
      const orders = ORDERS.map((o, i) => (i === 3 ? { ...o, amount: value } : o))
      const error = thrown(() => plan.score(inputs(orders)))
      assert.deepEqual(pairs(error), [['bad_value', 'records.orders[3].amount']])
      assert.match(error.message, /records\.orders\[3\]\.amount/)
      assert.match(error.errors[0].message, /is not a decimal number/)
      let rejected
      await plan.scoreAsync(inputs(orders)).catch((e) => (rejected = e))
      assert.deepEqual(pairs(rejected), [['bad_value', 'records.orders[3].amount']])
      // JSON text cannot carry it: there it is the text the caller wrote.
      const skipped = compile({ ...PLAN, bad_records: 'skip' }).score(inputs(orders))
      assert.equal(skipped.derivation.record_sets[0].bad_records, 1)
      assert.equal(item(byId(skipped).E2, 'sales').actual, null)
    })
  }

  test('a non-finite number or an invalid Date in a text field is refused here', () => {
    const orders = [{ ...ORDERS[0], rep: Number.NaN }, { ...ORDERS[1], rep: new Date(Number.NaN) }]
    assert.deepEqual(pairs(thrown(() => plan.score(inputs(orders)))), [
      ['invalid_number', 'records.orders[0].rep'],
      ['bad_value', 'records.orders[1].rep'],
    ])
  })
})

describe('records through the batch API', () => {
  const same = (batch, scored) => assert.equal(JSON.stringify(batch), JSON.stringify(scored))
  const issues = async (fn) => {
    try {
      await fn()
    } catch (error) {
      assert.ok(isKpichainError(error), `expected a kpichain error, got ${error}`)
      return { code: error.code, errors: error.errors.map((e) => ({ code: e.code, path: e.path, message: e.message })) }
    }
    assert.fail('expected an error, but the call succeeded')
  }
  // The same batch as columns: subjects and roles aligned, units and records as rows.
  const columns = (orders) => ({
    period: '2022-03',
    subjects: ASSIGNMENTS.map((a) => a.subject),
    roles: ASSIGNMENTS.map((a) => a.role),
    names: ASSIGNMENTS.map((a) => a.name),
    units: ASSIGNMENTS.map((a) => a.unit),
    managers: ASSIGNMENTS.map((a) => a.manager),
    orgUnits: UNITS,
    records: { orders },
  })

  test('text and JavaScript values (Dates, BigInts) give the evaluation score gives', async () => {
    for (const orders of [ORDERS, ORDERS_JS]) {
      const want = plan.score(inputs(orders))
      same(plan.scoreBatch(inputs(orders)), want)
      same(await plan.scoreBatchAsync(inputs(orders)), want)
      same(plan.scoreBatch(columns(orders)), want)
      same(await plan.scoreBatchAsync(columns(orders)), want)
    }
    assert.ok(ORDERS_JS[0].confirmed_at instanceof Date, "the caller's objects are left as they were")
  })

  test('bad records: the same problems, or the same skipped records', async () => {
    const bad = [
      ...ORDERS,
      { rep: 'E1', amount: null, confirmed_at: '2022-03-02 10:00' },
      { rep: 'E2', amount: '12,5', confirmed_at: 'yesterday', vip: 'maybe' },
      { rep: 'E3', amount: 1, confirmed_at: new Date(Number.NaN), booked_on: '2022-02-30' },
      { rep: 'E3', amount: Number.POSITIVE_INFINITY, confirmed_at: '2022-03-02 10:00' },
      { rep: 'E3', amount: [1], confirmed_at: '2022-03-02 10:00' },
    ]
    const want = await issues(() => plan.score(inputs(bad)))
    assert.equal(want.errors.length, 8)
    assert.deepEqual(await issues(() => plan.scoreBatch(inputs(bad))), want)
    assert.deepEqual(await issues(() => plan.scoreBatchAsync(columns(bad))), want)
    const skipping = compile({ ...PLAN, bad_records: 'skip' })
    same(await skipping.scoreBatchAsync(inputs(bad)), skipping.score(inputs(bad)))
    // Refused before scoring, as by score: a non-finite number or an invalid Date in a text field.
    const text = [{ ...ORDERS[0], rep: Number.NaN }, { ...ORDERS[1], rep: new Date(Number.NaN) }]
    const refused = await issues(() => plan.score(inputs(text)))
    assert.deepEqual(await issues(() => plan.scoreBatch(inputs(text))), refused)
    assert.deepEqual(await issues(() => plan.scoreBatchAsync(columns(text))), refused)
    // An unknown record set, a set that is not a list, a record that is not an object.
    assert.deepEqual(await issues(() => plan.scoreBatch({ ...inputs(), records: { refunds: [] } })), await issues(() => plan.score({ ...inputs(), records: { refunds: [] } })))
    const notList = await issues(() => plan.scoreBatch({ ...inputs(), records: { orders: 'x' } }))
    assert.deepEqual(notList.errors.map((e) => [e.code, e.path]), [['invalid_type', 'records.orders']])
    const notRow = await issues(() => plan.scoreBatch(inputs([...ORDERS, 5])))
    assert.deepEqual(notRow.errors.map((e) => [e.code, e.path]), [['invalid_type', 'records.orders[6]']])
  })
})
