// `--framework hono|fastify|bun|express|node`: the demo's routes through each adapter (next has its own file: it builds).
import { describe, expect, it } from 'vitest'
import { startDemo, startNpmDemo } from './demo-process.js'
import { describeFramework } from './framework-suite.js'

describeFramework('hono')
describeFramework('fastify')
describeFramework('bun')
describeFramework('express')
describeFramework('node')

describe.each([
  { framework: 'hono', name: 'Hono', start: startDemo },
  // As a person types it: through npm.
  { framework: 'express', name: 'Express', start: startNpmDemo },
])('npm run demo -- --framework $framework (the walk-through)', ({ framework, name, start }) => {
  it(`pays both routes through the ${name} middleware and exits 0`, async () => {
    const demo = start(['--framework', framework])
    const { code } = await demo.exited
    expect(code, demo.stderr()).toBe(0)
    expect(demo.stdout()).toContain(`(${framework})`)
    expect(demo.stdout()).toMatch(/<- 200 \{"city":"Lisbon"/)
    expect(demo.stdout()).toMatch(/<- 200 \{"insight":/)
    expect(demo.stdout()).toContain('Done: the buyer paid 12600 atomic units')
  })
})
