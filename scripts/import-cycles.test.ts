// No import cycles among the packages' sources, type-only imports included: a cycle means two files that cannot be
// read, tested or moved apart. The same check as `npm run check:cycles`, run with the tests (a few seconds).
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import madge from 'madge'
import { describe, expect, it } from 'vitest'

const PACKAGES = fileURLToPath(new URL('../packages/', import.meta.url))

// Cycles known and owned elsewhere, listed so that this check guards everything else meanwhile. Remove an entry
// when its cycle is gone (the test says so).
const KNOWN: readonly string[] = [
]

describe('import cycles', () => {
  it('finds none among packages/*/src, except the known ones', { timeout: 60_000 }, async () => {
    const sources = readdirSync(PACKAGES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${PACKAGES}${entry.name}/src`)
    const graph = await madge(sources, {
      baseDir: PACKAGES,
      fileExtensions: ['ts'],
      excludeRegExp: [/\.test\.ts$/, /\/dist\//, /node_modules/],
    })
    const cycles = graph.circular().map((cycle) => cycle.join(' > '))
    expect(cycles.filter((cycle) => !KNOWN.includes(cycle)), 'new import cycles').toEqual([])
    expect(KNOWN.filter((cycle) => !cycles.includes(cycle)), 'cycles gone: remove them from KNOWN').toEqual([])
  })
})
