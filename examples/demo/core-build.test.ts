import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { coreIsBuilt } from './core-build.js'

describe('coreIsBuilt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-demo-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is false until every entry the demo loads is in dist', () => {
    expect(coreIsBuilt(dir)).toBe(false)
    for (const entry of ['index.js', 'evm/index.js', 'anvil/index.js']) {
      mkdirSync(join(dir, 'dist', entry, '..'), { recursive: true })
      writeFileSync(join(dir, 'dist', entry), '')
    }
    expect(coreIsBuilt(dir)).toBe(false) // nevermined/index.js is still missing
    mkdirSync(join(dir, 'dist', 'nevermined'), { recursive: true })
    writeFileSync(join(dir, 'dist', 'nevermined', 'index.js'), '')
    expect(coreIsBuilt(dir)).toBe(true)
  })

  it('says the workspace package is built (the tests run after `npm run build`)', () => {
    expect(coreIsBuilt()).toBe(true)
  })
})
