// A small HTTP scoring service on Node's own `http` module.
//
//   node examples/node/server.mjs            # listens on 127.0.0.1:8080 (PORT, HOST to change)
//
//   GET  /health    -> 200 {"status":"ok"}
//   POST /validate  body {"plan": <plan object, or JSON/TOML text>}
//                   -> 200 {"valid":true,"plan":{id,version,fingerprint}} | 400 {code,message,errors}
//   POST /score     body {"plan": ..., "period"?, "assignments": [...], "actuals": [...],
//                         "targets"?: [...], "explain"?: true}
//                   -> 200 <evaluation> | 400 {code,message,errors} | 413 when the body is too big
//
// Try it:
//   curl -s localhost:8080/health
//   curl -s -X POST localhost:8080/validate --data-binary @<(jq -n --slurpfile p examples/sales-company/plan.json '{plan: $p[0]}')
//   curl -s -X POST localhost:8080/score -d '{"plan": {...}, "assignments": [{"subject": "E1", "role": "rep"}],
//                                          "actuals": [{"subject": "E1", "sales": 70}]}'
//
// Request bodies are parsed with JSON.parse only; nothing from a request is ever evaluated as
// code (formulas in plans are parsed and checked by the Rust core, never by JavaScript).
// Scoring runs on the libuv thread pool (`scoreJsonAsync`), so a large batch does not stall the
// event loop: other requests keep being answered meanwhile.

import { createServer as createHttpServer } from 'node:http'
import { pathToFileURL } from 'node:url'
// In an application: `import { compile, isKpichainError } from 'kpichain'`.
import kpichain from '../../bindings/node/kpichain.js'

const { compile, isKpichainError } = kpichain

/** Largest accepted request body, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024

class HttpError extends Error {
  constructor(status, code, message, errors = []) {
    super(message)
    this.status = status
    this.code = code
    this.errors = errors
  }
}

function send(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/**
 * Reads the whole body, up to `limit` bytes. Past the limit it answers 413 at once and drains
 * (discards) the rest, so the client reliably receives the answer; a client that keeps sending
 * far beyond the limit is disconnected.
 */
function readBody(req, res, limit) {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'])
    let size = 0
    let tooLarge = false
    const chunks = []
    const reject413 = () => {
      tooLarge = true
      chunks.length = 0
      send(res, 413, { code: 'PAYLOAD_TOO_LARGE', message: `request body exceeds ${limit} bytes`, errors: [] })
      resolve(null)
    }
    if (Number.isFinite(declared) && declared > limit) reject413()
    req.on('data', (chunk) => {
      size += chunk.length
      if (tooLarge) {
        if (size > limit * 8) req.destroy()
        return
      }
      if (size > limit) return reject413()
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', () => resolve(null))
  })
}

function parseJson(text) {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'BAD_JSON', 'the request body is not valid JSON', [{ code: 'parse_error', path: '', message: error.message }])
  }
}

function requireObject(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'BAD_REQUEST', `${what} must be a JSON object`, [{ code: 'bad_request', path: '', message: `${what} must be a JSON object` }])
  }
  return value
}

function planOf(body) {
  const plan = body.plan
  if (plan === undefined) throw new HttpError(400, 'BAD_REQUEST', 'the body needs a "plan"', [{ code: 'missing_field', path: 'plan', message: 'the body needs a "plan"' }])
  if (typeof plan !== 'string') requireObject(plan, '"plan"')
  return compile(plan)
}

async function handleValidate(body) {
  const plan = planOf(requireObject(body, 'the body'))
  return { valid: true, plan: { id: plan.id, version: plan.version, fingerprint: plan.fingerprint } }
}

async function handleScore(body) {
  const { plan: _plan, explain, ...inputs } = requireObject(body, 'the body')
  const plan = planOf(body)
  // The evaluation comes back as JSON text and is sent as it is: no JSON.parse and
  // JSON.stringify of a large result on the event loop.
  return plan.scoreJsonAsync(inputs, { explain: explain === true })
}

const routes = {
  'POST /validate': handleValidate,
  'POST /score': handleScore,
}

/** Creates the service (not yet listening). `maxBodyBytes` bounds request bodies. */
export function createServer({ maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = {}) {
  return createHttpServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    try {
      if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' })
      const route = routes[`${req.method} ${path}`]
      if (!route) {
        req.resume()
        const known = Object.keys(routes).some((r) => r.endsWith(` ${path}`)) || path === '/health'
        return send(res, known ? 405 : 404, { code: known ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', message: `${req.method} ${path}`, errors: [] })
      }
      const text = await readBody(req, res, maxBodyBytes)
      if (text === null) return
      const result = await route(parseJson(text))
      send(res, 200, result)
    } catch (error) {
      if (error instanceof HttpError || isKpichainError(error)) {
        // Plan and input problems are the caller's: 400 with every problem listed. A
        // KPI_PANIC or KPI_INTERNAL is ours: 500, and the process keeps serving.
        const status = error instanceof HttpError ? error.status : error.code === 'KPI_PLAN_INVALID' || error.code === 'KPI_INPUT_INVALID' ? 400 : 500
        return send(res, status, { code: error.code, message: error.message, errors: error.errors })
      }
      if (error instanceof TypeError) return send(res, 400, { code: 'BAD_REQUEST', message: error.message, errors: [] })
      send(res, 500, { code: 'INTERNAL', message: 'internal error', errors: [] })
    }
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8080)
  const host = process.env.HOST ?? '127.0.0.1'
  const server = createServer()
  server.listen(port, host, () => {
    const address = server.address()
    console.log(`kpichain example service on http://${address.address}:${address.port}`)
  })
}
