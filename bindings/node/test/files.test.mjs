// Plan and versions files are read by the shared `kpichain-io` crate, the same way the CLI
// and Python read them: format by extension, byte order mark ignored, a versions file's plan
// files relative to it, an unreadable file reported as KPI_IO_ERROR naming it.

import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import kpichain from '../kpichain.js'
import { fixturesDir } from './helpers.mjs'

const { compile, compileFile, loadVersions, isKpichainError, CompiledPlan, CompiledVersions } = kpichain

function withDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'kpichain-files-'))
  try {
    fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('files', () => {
  test('compile(path) reads a TOML plan file (not the path as TOML text)', () => {
    withDir((dir) => {
      const path = join(dir, 'plan.toml')
      copyFileSync(join(fixturesDir, 'plan.toml'), path)
      const fromPath = compile(path)
      assert.ok(fromPath instanceof CompiledPlan)
      assert.equal(fromPath.fingerprint, compileFile(path).fingerprint)
      assert.equal(fromPath.fingerprint, compile(readFileSync(path, 'utf8')).fingerprint)
      // A byte order mark is ignored.
      const bom = join(dir, 'bom.toml')
      writeFileSync(bom, '\uFEFF' + readFileSync(path, 'utf8'))
      assert.equal(compile(bom).fingerprint, fromPath.fingerprint)
      // A missing file names itself.
      let caught
      try {
        compile(join(dir, 'missing.toml'))
      } catch (error) {
        caught = error
      }
      assert.ok(isKpichainError(caught))
      assert.equal(caught.code, 'KPI_IO_ERROR')
      assert.match(caught.message, /missing\.toml: no such file or directory/)
    })
  })

  test('loadVersions reads plan files relative to the versions file', () => {
    withDir((dir) => {
      mkdirSync(join(dir, 'docs', 'plans'), { recursive: true })
      copyFileSync(join(fixturesDir, 'plan.toml'), join(dir, 'docs', 'plans', 'one.toml'))
      const second = JSON.parse(readFileSync(join(fixturesDir, 'plan.json'), 'utf8'))
      second.version = 'second'
      writeFileSync(join(dir, 'docs', 'plans', 'two.json'), JSON.stringify(second))
      const doc = {
        id: second.id,
        versions: [
          { effective_from: '2022-01-01', plan: 'plans/one.toml' },
          { effective_from: '2022-03-01', plan: 'plans/two.json' },
        ],
      }
      writeFileSync(join(dir, 'docs', 'versions.json'), JSON.stringify(doc))
      const versions = loadVersions(join(dir, 'docs', 'versions.json'))
      assert.ok(versions instanceof CompiledVersions)
      assert.deepEqual(
        versions.versions.map((v) => [v.effective_from, v.plan.fingerprint]),
        [
          ['2022-01-01', compile(join(dir, 'docs', 'plans', 'one.toml')).fingerprint],
          ['2022-03-01', compile(second).fingerprint],
        ],
      )
      assert.equal(versions.version('second').version, 'second')
    })
  })
})
