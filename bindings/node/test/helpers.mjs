// Shared helpers for the Node tests: paths, raw JSON members, CSV, the example company.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const here = dirname(fileURLToPath(import.meta.url))
export const packageDir = join(here, '..')
export const repoRoot = join(packageDir, '..', '..')
export const vectorsDir = join(repoRoot, 'tests', 'vectors')
export const exampleDir = join(repoRoot, 'examples', 'sales-company')
export const fixturesDir = join(here, 'fixtures')

/**
 * The raw text of each member of a top-level JSON object, so that numbers reach the native
 * layer exactly as written (JSON.parse would round 28-digit numbers to doubles).
 */
export function rawMembers(text) {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++
  }
  const skipString = () => {
    i++ // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    i++
  }
  const skipValue = () => {
    if (text[i] === '"') return skipString()
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0
      do {
        if (text[i] === '"') {
          skipString()
          continue
        }
        if (text[i] === '{' || text[i] === '[') depth++
        if (text[i] === '}' || text[i] === ']') depth--
        i++
      } while (depth > 0)
      return
    }
    while (i < text.length && /[-+0-9.eEa-z]/.test(text[i])) i++
  }
  const members = {}
  ws()
  if (text[i] !== '{') throw new Error('not a JSON object')
  i++
  for (;;) {
    ws()
    if (text[i] === '}') break
    const keyStart = i
    skipString()
    const key = JSON.parse(text.slice(keyStart, i))
    ws()
    i++ // colon
    ws()
    const start = i
    skipValue()
    members[key] = text.slice(start, i)
    ws()
    if (text[i] === ',') i++
  }
  return members
}

/** Numeric literals of a JSON text (outside strings). */
export function numberTokens(text) {
  const tokens = []
  const outside = text.split(/"(?:[^"\\]|\\.)*"/)
  for (const part of outside) tokens.push(...(part.match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? []))
  return tokens
}

/** True when every number of the JSON text survives JSON.parse + JSON.stringify unchanged. */
export function numbersRoundTrip(text) {
  return numberTokens(text).every((t) => String(Number(t)) === t)
}

/** Minimal CSV reader (header row, quoted fields, no embedded newlines). */
export function readCsv(path) {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '')
  const split = (line) => {
    const out = []
    let cur = ''
    let quoted = false
    for (let k = 0; k < line.length; k++) {
      const c = line[k]
      if (quoted) {
        if (c === '"' && line[k + 1] === '"') {
          cur += '"'
          k++
        } else if (c === '"') quoted = false
        else cur += c
      } else if (c === '"') quoted = true
      else if (c === ',') {
        out.push(cur)
        cur = ''
      } else cur += c
    }
    out.push(cur)
    return out
  }
  const [header, ...rows] = lines.map(split)
  return rows.map((cells) => {
    const row = {}
    header.forEach((h, k) => {
      if (cells[k] !== undefined && cells[k] !== '') row[h] = cells[k]
    })
    return row
  })
}

/**
 * The sales company of the brief (examples/sales-company) when it is present, else the small
 * fixture plan of this package: `{ planText, inputs }` with long-format actuals.
 */
export function exampleCompany() {
  const files = ['plan.json', 'assignments.csv', 'actuals.csv'].map((f) => join(exampleDir, f))
  if (files.every(existsSync)) {
    const targetsPath = join(exampleDir, 'targets.csv')
    return {
      source: 'examples/sales-company',
      planText: readFileSync(files[0], 'utf8'),
      inputs: {
        period: '2022-01',
        assignments: readCsv(files[1]),
        actuals: readCsv(files[2]),
        targets: existsSync(targetsPath) ? readCsv(targetsPath) : [],
      },
    }
  }
  return {
    source: 'test/fixtures',
    planText: readFileSync(join(fixturesDir, 'plan.json'), 'utf8'),
    inputs: JSON.parse(readFileSync(join(fixturesDir, 'inputs.json'), 'utf8')),
  }
}

/** The company's inputs repeated `copies` times with distinct subject ids. */
export function bigBatch(inputs, copies) {
  const assignments = []
  const actuals = []
  const targets = []
  for (let c = 0; c < copies; c++) {
    const id = (s) => `${s}-${c}`
    for (const a of inputs.assignments) assignments.push({ ...a, subject: id(a.subject) })
    for (const a of inputs.actuals) actuals.push({ ...a, subject: id(a.subject) })
    for (const t of inputs.targets ?? []) targets.push({ ...t, subject: id(t.subject) })
  }
  return { period: inputs.period, assignments, actuals, targets }
}
