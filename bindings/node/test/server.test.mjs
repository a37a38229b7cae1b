// Starts the example service (examples/node/server.mjs) on a loopback port and talks to it.

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createServer, DEFAULT_MAX_BODY_BYTES } from '../../../examples/node/server.mjs'
import { bigBatch, exampleCompany, exampleDir } from './helpers.mjs'

const company = exampleCompany()
const plan = JSON.parse(company.planText)
let server
let base

before(async () => {
  server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** Sends a request with node:http; resolves as soon as the whole answer has arrived. */
function send(method, path, body) {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = request(`${base}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      answered = true
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null })
      })
    })
    // The server may stop reading an oversized body once it has answered.
    req.on('error', (error) => (answered ? undefined : reject(error)))
    if (body !== undefined) req.write(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body))
    req.end()
  })
}

const scoreBody = (inputs, extra = {}) => ({ plan, ...inputs, ...extra })

function invalidWeightsPlan() {
  const path = join(exampleDir, 'plan-invalid-weights.json')
  if (company.source === 'examples/sales-company' && existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'))
  const bad = structuredClone(plan)
  bad.roles[0].items[0].weight = Number(bad.roles[0].items[0].weight) + 10 // weights sum to 110
  return bad
}

describe(`example service (${company.source})`, () => {
  test('GET /health', async () => {
    assert.deepEqual(await send('GET', '/health'), { status: 200, body: { status: 'ok' } })
  })

  test('POST /validate accepts a valid plan', async () => {
    const { status, body } = await send('POST', '/validate', { plan })
    assert.equal(status, 200)
    assert.equal(body.valid, true)
    assert.equal(body.plan.id, plan.id)
    assert.match(body.plan.fingerprint, /^sha256:/)
  })

  test('POST /validate answers 400 with the error list for weights summing to 110', async () => {
    const { status, body } = await send('POST', '/validate', { plan: invalidWeightsPlan() })
    assert.equal(status, 400)
    assert.equal(body.code, 'KPI_PLAN_INVALID')
    assert.ok(body.errors.some((e) => e.code === 'weights_do_not_sum'), JSON.stringify(body.errors))
    for (const e of body.errors) assert.deepEqual(Object.keys(e).sort(), ['code', 'loc', 'message', 'path'])
  })

  test('POST /score answers the evaluation', async () => {
    const { status, body } = await send('POST', '/score', scoreBody(company.inputs))
    assert.equal(status, 200)
    assert.equal(body.plan_id, plan.id)
    assert.equal(body.results.length, company.inputs.assignments.length)
    for (const r of body.results) assert.match(r.total, /^-?\d+\.\d+$/)
    const explained = await send('POST', '/score', scoreBody(company.inputs, { explain: true }))
    assert.equal(typeof explained.body.results[0].explanation.text, 'string')
  })

  test('POST /score with a plan whose weights sum to 110 answers 400', async () => {
    const { status, body } = await send('POST', '/score', { ...company.inputs, plan: invalidWeightsPlan() })
    assert.equal(status, 400)
    assert.equal(body.code, 'KPI_PLAN_INVALID')
    assert.ok(body.errors.some((e) => e.code === 'weights_do_not_sum'))
  })

  test('bad JSON answers 400', async () => {
    const { status, body } = await send('POST', '/score', '{"plan": {')
    assert.equal(status, 400)
    assert.equal(body.code, 'BAD_JSON')
    assert.equal((await send('POST', '/score', '[1, 2]')).status, 400)
    assert.equal((await send('POST', '/validate', '{}')).status, 400)
  })

  test('NaN values answer 400 naming the subject and indicator', async () => {
    const [first] = company.inputs.actuals
    // A client's JSON.stringify would write NaN as null (no value); a client that sends it as
    // the text "NaN" gets the core's invalid_number, naming the subject and indicator.
    const withNaN = { ...company.inputs, actuals: [{ ...first, value: 'NaN' }, ...company.inputs.actuals.slice(1)] }
    const { status, body } = await send('POST', '/score', scoreBody(withNaN))
    assert.equal(status, 400)
    assert.equal(body.code, 'KPI_INPUT_INVALID')
    assert.equal(body.errors[0].code, 'invalid_number')
    assert.equal(body.errors[0].path, 'actuals[0].value')
    assert.match(body.errors[0].message, new RegExp(`subject '${first.subject}' for indicator '${first.indicator}'`))
    // A bare NaN literal is not JSON at all.
    const literal = JSON.stringify(scoreBody(company.inputs)).replace(`"value":"${first.value}"`, '"value":NaN')
    assert.ok(literal.includes('NaN'))
    assert.equal((await send('POST', '/score', literal)).body.code, 'BAD_JSON')
  })

  test('a formula is parsed by the engine, never run as JavaScript', async () => {
    const evil = structuredClone(plan)
    evil.vetoes = [{ id: 'x', name: 'x', condition: "require('child_process').execSync('touch /tmp/pwned')", force_grade: evil.grades.at(-1).grade }]
    const { status, body } = await send('POST', '/validate', { plan: evil })
    assert.equal(status, 400)
    assert.equal(body.code, 'KPI_PLAN_INVALID')
    assert.equal((await send('GET', '/health')).status, 200)
  })

  test('a 20 MB body is refused with 413', async () => {
    assert.ok(DEFAULT_MAX_BODY_BYTES < 20 * 1024 * 1024)
    const padding = 'x'.repeat(20 * 1024 * 1024)
    const { status, body } = await send('POST', '/score', `{"plan": {}, "padding": "${padding}"}`)
    assert.equal(status, 413)
    assert.equal(body.code, 'PAYLOAD_TOO_LARGE')
    assert.equal((await send('GET', '/health')).status, 200)
  })

  test('unknown routes and methods', async () => {
    assert.equal((await send('GET', '/nope')).status, 404)
    assert.equal((await send('GET', '/score')).status, 405)
  })

  test('a large async /score leaves the server answering other requests', async (t) => {
    const batch = bigBatch(company.inputs, 400)
    const body = JSON.stringify(scoreBody(batch))
    assert.ok(body.length < DEFAULT_MAX_BODY_BYTES, `${body.length} bytes`)
    let scoreDone = false
    const scoring = send('POST', '/score', body).then((answer) => {
      scoreDone = true
      return answer
    })
    const healthDuring = []
    while (!scoreDone) {
      const started = performance.now()
      const health = await send('GET', '/health')
      assert.equal(health.status, 200)
      if (!scoreDone) healthDuring.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const { status, body: result } = await scoring
    assert.equal(status, 200)
    assert.equal(result.results.length, batch.assignments.length)
    t.diagnostic(`${healthDuring.length} /health answers while scoring, slowest ${Math.max(...healthDuring).toFixed(1)} ms`)
    assert.ok(healthDuring.length >= 2, `only ${healthDuring.length} /health answers while scoring`)
  })
})
