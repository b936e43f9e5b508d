// `--framework hono|fastify|bun|express|node`: the demo's routes through each adapter (next has its own file: it builds).
import { describe, expect, it } from 'vitest'
import { startDemo, startNpmDemo } from './demo-process.js'
import { describeFramework } from './framework-suite.js'

describeFramework('hono')
describeFramework('fastify')
describeFramework('bun')
describeFramework('express')
describeFramework('node')

describe('npm run demo -- --framework hono (the walk-through)', () => {
  it('pays both routes through the Hono middleware and exits 0', async () => {
    const demo = startDemo(['--framework', 'hono'])
    const { code } = await demo.exited
    expect(code, demo.stderr()).toBe(0)
    expect(demo.stdout()).toContain('(hono)')
    expect(demo.stdout()).toMatch(/<- 200 \{"city":"Lisbon"/)
    expect(demo.stdout()).toMatch(/<- 200 \{"insight":/)
    expect(demo.stdout()).toContain('Done: the buyer paid 11000 atomic units')
  })
})

describe('npm run demo -- --framework express (the walk-through)', () => {
  it('pays both routes through the Express middleware and exits 0', async () => {
    const demo = startNpmDemo(['--framework', 'express'])
    const { code } = await demo.exited
    expect(code, demo.stderr()).toBe(0)
    expect(demo.stdout()).toContain('(express)')
    expect(demo.stdout()).toMatch(/<- 200 \{"city":"Lisbon"/)
    expect(demo.stdout()).toContain('Done: the buyer paid 11000 atomic units')
  })
})
