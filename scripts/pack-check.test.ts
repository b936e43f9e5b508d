// The packages as a user installs them (scripts/pack-check.js): every tarball has its LICENSE and README and no
// source maps, publint and attw find nothing, and ESM, CJS and TypeScript consumers of the installed tarballs run.
// Reads the built packages: `npm test` builds before it runs the tests.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('./pack-check.js', import.meta.url))

describe('the published packages', () => {
  it('pack, lint clean and install for ESM, CJS and TypeScript consumers', async () => {
    const result = await promisify(execFile)(process.execPath, [script], { maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    )
    expect(result.output).toMatch(/^pack-check: every package packs/m)
    expect(result.ok).toBe(true)
  }, 600_000)
})
