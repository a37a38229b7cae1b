// The public API: plan sources, validation, errors, scoring (sync and on the thread pool),
// numbers from JavaScript, explanations, schemas and panics.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import kpichain from '../kpichain.js'
import native from '../index.js'
import { bigBatch, exampleCompany, fixturesDir, packageDir } from './helpers.mjs'

const { compile, compileFile, loadPlan, validate, validateFile, planSchema, inputsSchema, resultSchema, isKpichainError, CompiledPlan, ErrorCode } = kpichain

const planPath = join(fixturesDir, 'plan.json')
const planText = readFileSync(planPath, 'utf8')
const planObject = JSON.parse(planText)
const inputs = JSON.parse(readFileSync(join(fixturesDir, 'inputs.json'), 'utf8'))
const plan = compile(planObject)

/** Runs `fn`, expects a kpichain error with `code`, returns it. */
function catches(fn, code) {
  let caught
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(caught, `expected a ${code} error`)
  assert.ok(caught instanceof Error, 'thrown value is an Error')
  assert.ok(isKpichainError(caught), `not a kpichain error: ${caught}`)
  assert.equal(caught.code, code)
  for (const issue of caught.errors) {
    assert.deepEqual(Object.keys(issue).filter((k) => k !== 'origin').sort(), ['code', 'loc', 'message', 'path'])
    for (const k of ['code', 'message', 'path']) assert.equal(typeof issue[k], 'string')
    assert.ok(Array.isArray(issue.loc) && issue.loc.every((s) => typeof s === 'string' || Number.isInteger(s)), 'loc is the path as segments')
  }
  return caught
}

async function rejects(promise, code) {
  let caught
  try {
    await promise
  } catch (error) {
    caught = error
  }
  assert.ok(isKpichainError(caught), `expected a ${code} rejection, got ${caught}`)
  assert.equal(caught.code, code)
  return caught
}

const oneRep = (value) => ({ assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: [{ subject: 'E1', indicator: 'sales', value }, { subject: 'E1', indicator: 'repeat_rate', value: 30 }] })
const salesActual = (result) => result.results[0].items.find((i) => i.indicator === 'sales').actual

describe('plans', () => {
  test('from an object, JSON text, TOML text, bytes and files', () => {
    const fromText = compile(planText)
    const fromJson = CompiledPlan.fromJson(planText)
    const fromBytes = compile(new TextEncoder().encode(planText))
    const fromFile = compileFile(planPath)
    for (const p of [fromText, fromJson, fromBytes, fromFile, loadPlan(planPath), compile(planPath), CompiledPlan.fromObject(planObject), CompiledPlan.fromFile(planPath)]) {
      assert.equal(p.id, 'node-fixture')
      assert.equal(p.version, '2022.01')
      assert.equal(p.fingerprint, plan.fingerprint)
      assert.match(p.fingerprint, /^sha256:[0-9a-f]{64}$/)
    }
    const tomlPath = join(fixturesDir, 'plan.toml')
    const toml = readFileSync(tomlPath, 'utf8')
    for (const p of [compile(toml), CompiledPlan.fromToml(toml), CompiledPlan.fromText(toml), compileFile(tomlPath), compile(toml, { format: 'toml' })]) {
      assert.equal(p.id, 'node-fixture-toml')
      assert.equal(p.score({ assignments: [{ subject: 'a', role: 'rep' }], actuals: [{ subject: 'a', sales: 70 }] }).results[0].total, '87.50')
    }
  })

  test('toObject gives the canonical plan, decimals as strings', () => {
    const canonical = plan.toObject()
    assert.equal(canonical.roles[0].items[0].weight, '60')
    assert.equal(canonical.roles[0].items[1].target, '30')
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), canonical)
    assert.equal(compile(canonical).fingerprint, plan.fingerprint)
  })

  test('validate returns every problem, and [] for a valid plan', () => {
    assert.deepEqual(validate(planObject), [])
    assert.deepEqual(validate(planText), [])
    assert.deepEqual(validateFile(planPath), [])
    const bad = structuredClone(planObject)
    bad.roles[0].items[0].weight = 70 // 70 + 40 = 110
    bad.roles[1].items[0].indicator = 'no_such_indicator'
    const problems = validate(bad)
    assert.ok(problems.length >= 2, JSON.stringify(problems))
    assert.ok(problems.some((p) => p.code === 'weights_do_not_sum' && p.path === 'roles[0].items'))
    assert.ok(problems.some((p) => p.path.startsWith('roles[1].items[0]')))
    for (const p of problems) assert.ok(p.message.length > 0)
  })

  test('compiling an invalid plan throws an Error with code and errors', () => {
    const bad = structuredClone(planObject)
    bad.roles[0].items[0].weight = 70
    const error = catches(() => compile(bad), 'KPI_PLAN_INVALID')
    assert.equal(error.code, ErrorCode.PLAN_INVALID)
    assert.deepEqual(error.errors, validate(bad))
    assert.match(error.message, /110/)
    assert.match(error.stack, /Error: invalid plan/)
    catches(() => compile('{"id": '), 'KPI_PLAN_INVALID')
    catches(() => compile('not = [toml'), 'KPI_PLAN_INVALID')
    const unknown = catches(() => compile({ ...planObject, colour: 'red' }), 'KPI_PLAN_INVALID')
    assert.equal(unknown.errors[0].code, 'unknown_field')
    assert.deepEqual(unknown.errors[0].loc, ['colour'])
  })

  test('files that cannot be read throw KPI_IO_ERROR', () => {
    catches(() => compileFile(join(fixturesDir, 'missing.json')), 'KPI_IO_ERROR')
    catches(() => validateFile(join(fixturesDir, 'missing.toml')), 'KPI_IO_ERROR')
  })

  test('misuse is a TypeError', () => {
    assert.throws(() => compile(42), TypeError)
    assert.throws(() => compile(planText, { format: 'yaml' }), TypeError)
    assert.throws(() => new CompiledPlan({}), TypeError)
    assert.throws(() => plan.score(null), TypeError)
  })

  test('the JSON Schemas', () => {
    const schema = planSchema()
    assert.equal(schema.title, 'Plan')
    assert.match(schema.$schema, /2020-12/)
    assert.ok(schema.properties.roles)
    assert.equal(inputsSchema().title, 'Inputs')
    assert.equal(resultSchema().title, 'Evaluation')
  })
})

describe('scoring', () => {
  test('results are plain objects with decimal strings', () => {
    const result = plan.score(inputs)
    assert.equal(result.plan_id, 'node-fixture')
    assert.equal(result.plan_fingerprint, plan.fingerprint)
    assert.equal(result.period, '2022-01')
    const [e1, e2, e3] = result.results
    assert.deepEqual([e1.total, e1.grade, e1.payout], ['72.50', 'C', '8000.00'])
    assert.deepEqual(e1.items.map((i) => i.score), ['87.50', '50.00'])
    assert.deepEqual([e2.total, e2.grade, e2.payout], ['112.00', 'S', null])
    assert.deepEqual([e3.total, e3.grade, e3.adjustments[0].points], ['116.00', 'S', '6.00'])
    assert.equal(Object.getPrototypeOf(result), Object.prototype)
  })

  test('every result key is declared by the result schema', () => {
    const schema = resultSchema()
    const result = plan.score(inputs)
    // Every key is declared, every required one is there (the others — derivation, versions,
    // variant, sources, segments — appear only when records, plan versions, variants or
    // sources were involved).
    const matches = (object, def) => {
      assert.deepEqual(Object.keys(object).filter((k) => !Object.hasOwn(def.properties, k)), [])
      assert.deepEqual(def.required.filter((k) => !Object.hasOwn(object, k)), [])
    }
    matches(result, schema)
    matches(result.results[0], schema.$defs.SubjectResult)
    matches(result.results[0].items[0], schema.$defs.ItemResult)
    assert.deepEqual(Object.keys(schema.properties).filter((k) => !Object.hasOwn(result, k)), ['derivation', 'versions'])
  })

  test('long, wide, mixed rows and JSON text give the same result', () => {
    const long = plan.score(inputs)
    const wideRows = new Map()
    for (const a of inputs.actuals) {
      const row = wideRows.get(a.subject) ?? { subject: a.subject }
      row[a.indicator] = a.value
      wideRows.set(a.subject, row)
    }
    const wide = plan.score({ ...inputs, actuals: [...wideRows.values()] })
    assert.deepEqual(wide, long)
    const mixed = plan.score({ ...inputs, actuals: [inputs.actuals[0], inputs.actuals[1], { subject: 'E2', sales: '96', repeat_rate: '41' }, { subject: 'E3', order_hours: '18', proposals: '3', unused: null }].slice(0, 4) })
    assert.deepEqual(mixed, long)
    assert.deepEqual(plan.score(JSON.stringify(inputs)), long)
  })

  test('wide rows: empty cells mean no actual; errors point at the row and column', () => {
    const error = catches(() => plan.score({ assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: [{ subject: 'E1', sales: 70, repeat_rate: null }] }), 'KPI_INPUT_INVALID')
    assert.equal(error.errors[0].code, 'missing_actual')
    const unknown = catches(() => plan.score({ assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: [{ subject: 'E1', sales: 70, repeat_rate: 30 }, { subject: 'E1', salez: 1 }] }), 'KPI_INPUT_INVALID')
    assert.deepEqual(unknown.errors.map((e) => [e.code, e.path]), [['unknown_indicator', 'actuals[1].salez']])
    const duplicate = catches(() => plan.score({ assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: [{ subject: 'E1', sales: 70, repeat_rate: 30 }, { subject: 'E1', indicator: 'sales', value: 1 }] }), 'KPI_INPUT_INVALID')
    assert.deepEqual(duplicate.errors.map((e) => [e.code, e.path]), [['duplicate_actual', 'actuals[1]']])
  })

  test('input errors list every problem and there is no partial result', () => {
    const error = catches(
      () =>
        plan.score({
          assignments: [{ subject: 'E1', role: 'sales_rep' }, { subject: 'E2', role: 'ghost' }],
          actuals: [{ subject: 'E1', indicator: 'sales', value: 1 }, { subject: 'E9', indicator: 'sales', value: 1 }],
        }),
      'KPI_INPUT_INVALID',
    )
    assert.deepEqual(error.errors.map((e) => e.code), ['unknown_role', 'unknown_subject'])
  })

  test('scoreJson and scoreJsonAsync give the same evaluation as JSON text', async () => {
    const text = plan.scoreJson(inputs)
    assert.equal(typeof text, 'string')
    assert.deepEqual(JSON.parse(text), plan.score(inputs))
    assert.equal(await plan.scoreJsonAsync(inputs, { explain: true }), plan.scoreJson(inputs, { explain: true }))
    assert.equal(JSON.parse(text).results[0].name, '张伟')
    catches(() => plan.scoreJson(oneRep(NaN)), 'KPI_INPUT_INVALID')
    await rejects(plan.scoreJsonAsync(oneRep('x')), 'KPI_INPUT_INVALID')
  })

  test('scoreAsync resolves to the same result and rejects with the same errors', async () => {
    assert.deepEqual(await plan.scoreAsync(inputs), plan.score(inputs))
    const error = await rejects(plan.scoreAsync({ assignments: [{ subject: 'E1', role: 'ghost' }] }), 'KPI_INPUT_INVALID')
    assert.equal(error.errors[0].path, 'assignments[0].role')
    await rejects(plan.scoreAsync(oneRep(NaN)), 'KPI_INPUT_INVALID')
    const many = await Promise.all(Array.from({ length: 16 }, () => plan.scoreAsync(inputs)))
    for (const r of many) assert.deepEqual(r, many[0])
  })

  test('scoreAsync runs on the thread pool: the event loop keeps turning', async () => {
    const company = exampleCompany()
    const big = compile(company.planText)
    const batch = bigBatch(company.inputs, 400)
    const text = JSON.stringify(batch)
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const started = performance.now()
    const result = await big.scoreAsync(text)
    const elapsed = performance.now() - started
    clearInterval(timer)
    assert.equal(result.results.length, batch.assignments.length)
    // While Rust scored thousands of subjects, timers kept firing on the JavaScript thread.
    assert.ok(ticks >= 3, `only ${ticks} timer ticks in ${elapsed.toFixed(0)} ms`)
  })
})

describe('numbers from JavaScript', () => {
  test('numbers by their shortest repr, strings exactly', () => {
    const cases = [
      [0.1, '0.1'],
      [70, '70'],
      [1e21, '1000000000000000000000'],
      [1e-7, '0.0000001'],
      [-0, '0'],
      [123.456, '123.456'],
      ['87.50', '87.50'],
      ['0.1000000000000000000000000001', '0.1000000000000000000000000001'],
      ['-12.5', '-12.5'],
      [12345678901234567890123n, '12345678901234567890123'],
      [{ toJSON: () => '3.14159' }, '3.14159'],
    ]
    for (const [value, want] of cases) {
      assert.equal(salesActual(plan.score(oneRep(value))), want, `value ${String(value)}`)
    }
    // The same in wide rows.
    const wide = plan.score({ assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: [{ subject: 'E1', sales: 0.1, repeat_rate: '30.00' }] })
    assert.equal(salesActual(wide), '0.1')
    assert.equal(wide.results[0].items[1].actual, '30.00')
  })

  // One number policy for every language: the codes and messages are the core's.
  const bad = [
    [NaN, 'invalid_number', /is NaN/],
    [Infinity, 'invalid_number', /is infinite/],
    [-Infinity, 'invalid_number', /is infinite/],
    [true, 'invalid_type', /is a bool/],
    [false, 'invalid_type', /is a bool/],
    ['abc', 'invalid_number', /not a decimal number/],
    ['12,5', 'invalid_number', /not a decimal number/],
    ['1 000', 'invalid_number', /not a decimal number/],
    ['NaN', 'invalid_number', /is NaN/],
    ['Infinity', 'invalid_number', /is infinite/],
    [1e30, 'number_out_of_range', /beyond the decimal range/],
    ['1e-40', 'number_out_of_range', /beyond the decimal range/],
    ['99999999999999999999999999999999', 'number_out_of_range', /beyond the decimal range/],
    ['0.10000000000000000000000000001', 'number_out_of_range', /beyond the decimal range/],
    [{}, 'invalid_type', /has type object/],
    [[1], 'invalid_type', /has type array/],
  ]
  for (const [value, code, why] of bad) {
    test(`rejects ${typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? '[1]' : String(value)} naming the subject and indicator`, async () => {
      for (const rows of [
        [{ subject: 'E1', indicator: 'sales', value }, { subject: 'E1', indicator: 'repeat_rate', value: 30 }],
        [{ subject: 'E1', sales: value, repeat_rate: 30 }],
      ]) {
        const request = { assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: rows }
        const error = catches(() => plan.score(request), 'KPI_INPUT_INVALID')
        assert.equal(error.errors.length, 1)
        const [issue] = error.errors
        assert.equal(issue.code, code)
        assert.equal(issue.path, rows.length === 2 ? 'actuals[0].value' : 'actuals[0].sales')
        assert.match(issue.message, /subject 'E1' for indicator 'sales'/)
        assert.match(issue.message, why)
        await rejects(plan.scoreAsync(request), 'KPI_INPUT_INVALID')
      }
    })
  }

  test('null, undefined and empty text are no value, as in Python and an empty CSV cell', () => {
    for (const value of [null, undefined, '', '  ']) {
      const request = { assignments: [{ subject: 'E1', role: 'sales_rep' }], actuals: [{ subject: 'E1', indicator: 'sales', value }, { subject: 'E1', indicator: 'repeat_rate', value: 30 }] }
      const error = value === undefined ? catches(() => plan.score(request), 'KPI_INPUT_INVALID') : null
      if (error) {
        // An absent `value` field is a malformed long row.
        assert.equal(error.errors[0].code, 'missing_field')
        continue
      }
      const wide = { ...request, actuals: [{ subject: 'E1', sales: value, repeat_rate: 30 }] }
      for (const r of [request, wide]) {
        let outcome
        try {
          outcome = plan.score(r)
        } catch (e) {
          outcome = e
        }
        // The sales actual is missing: the plan's missing-data policy decides.
        if (outcome instanceof Error) assert.equal(outcome.errors[0].code, 'missing_actual')
        else assert.notEqual(outcome.results[0].items[0].status, 'scored')
      }
    }
  })

  test('every bad value is reported at once', () => {
    const error = catches(
      () =>
        plan.score({
          assignments: [{ subject: 'E1', role: 'sales_rep' }, { subject: 'E2', role: 'sales_rep' }],
          actuals: [
            { subject: 'E1', sales: NaN, repeat_rate: Infinity },
            { subject: 'E2', indicator: 'sales', value: true },
          ],
        }),
      'KPI_INPUT_INVALID',
    )
    assert.deepEqual(error.errors.map((e) => e.path), ['actuals[0].sales', 'actuals[0].repeat_rate', 'actuals[1].value'])
  })

  test('bad values in targets and bonus bases are rejected too', () => {
    const target = catches(() => plan.score({ ...inputs, targets: [{ subject: 'E2', indicator: 'sales', target: NaN }] }), 'KPI_INPUT_INVALID')
    assert.equal(target.errors[0].path, 'targets[0].target')
    assert.equal(target.errors[0].code, 'invalid_number')
    assert.match(target.errors[0].message, /subject 'E2' for indicator 'sales'/)
    const bonus = catches(() => plan.score({ ...inputs, assignments: [{ subject: 'E1', role: 'sales_rep', bonus_base: Infinity }, ...inputs.assignments.slice(1)] }), 'KPI_INPUT_INVALID')
    assert.equal(bonus.errors[0].path, 'assignments[0].bonus_base')
  })

  test('the native layer checks values itself when given JSON text', () => {
    const text = (value) => `{"assignments":[{"subject":"E1","role":"sales_rep"}],"actuals":[{"subject":"E1","indicator":"sales","value":${value}},{"subject":"E1","indicator":"repeat_rate","value":30}]}`
    for (const [value, why] of [
      ['true', /is a bool/],
      ['"NaN"', /is NaN/],
      ['1e400', /beyond the decimal range/],
      ['[]', /has type array/],
    ]) {
      const error = catches(() => plan.score(text(value)), 'KPI_INPUT_INVALID')
      assert.match(error.errors[0].message, /subject 'E1' for indicator 'sales'/)
      assert.match(error.errors[0].message, why)
    }
    // Never rounded: more than 28 places are refused.
    catches(() => plan.score(text('0.10000000000000000000000000001')), 'KPI_INPUT_INVALID')
    assert.equal(salesActual(plan.score(text('"0.1000000000000000000000000001"'))), '0.1000000000000000000000000001')
    catches(() => plan.score('{"assignments": ['), 'KPI_INPUT_INVALID')
  })
})

describe('explanations', () => {
  /**
   * Checks that `object` has the properties of an interface in kpichain.d.ts (the hand-written
   * types): each of its keys is declared, each required (not `?`) property is present.
   */
  function declared(name, object) {
    const dts = readFileSync(join(packageDir, 'kpichain.d.ts'), 'utf8')
    const body = dts.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`))
    assert.ok(body, `interface ${name} not found`)
    const props = [...body[1].matchAll(/^ {2}(\w+)(\??):/gm)]
    assert.deepEqual(Object.keys(object).filter((k) => !props.some((m) => m[1] === k)), [], `${name}: undeclared keys`)
    assert.deepEqual(props.filter((m) => m[2] === '' && !Object.hasOwn(object, m[1])).map((m) => m[1]), [], `${name}: missing keys`)
  }

  test('as text and as structured data, matching the declared types', () => {
    const [e3] = plan.explain(inputs, 'E3')
    assert.equal(e3.subject, 'E3')
    assert.equal(e3.total, '116.00')
    assert.equal(e3.role_name, '运营经理')
    assert.match(e3.text, /订单处理时长/)
    assert.match(e3.text, /流程优化提案加分/)
    assert.match(e3.text, /116\.00/)
    declared('Explanation', e3)
    declared('ExplainedItem', e3.items[0])
    declared('ExplainedAdjustment', e3.adjustments[0])
    const vetoed = compile({
      ...planObject,
      vetoes: [{ id: 'slow', name: '严重延误', condition: 'order_hours > 40', force_grade: 'D' }],
    }).explain({ assignments: [{ subject: 'X', role: 'operations_manager' }], actuals: [{ subject: 'X', order_hours: 45 }] })
    assert.equal(vetoed[0].grade, 'D')
    declared('ExplainedVeto', vetoed[0].vetoes[0])
  })

  test('for every subject, or attached to the results', async () => {
    const all = plan.explain(inputs)
    assert.deepEqual(all.map((e) => e.subject), ['E1', 'E2', 'E3'])
    const explained = await plan.scoreAsync(inputs, { explain: true })
    assert.deepEqual(explained.results.map((r) => r.explanation), all)
    assert.deepEqual(plan.score(inputs, { explain: true }), explained)
    const { explanation: _e, ...rest } = explained.results[0]
    assert.deepEqual(rest, plan.score(inputs).results[0])
    catches(() => plan.explain(inputs, 'nobody'), 'KPI_INPUT_INVALID')
  })
})

describe('panics', () => {
  test('a panic becomes a KPI_PANIC error and the process carries on', async () => {
    catches(() => native.__panicForTests(false), 'KPI_PANIC')
    await rejects(native.__panicForTests(true), 'KPI_PANIC')
    assert.equal(plan.score(inputs).results.length, 3)
  })
})
