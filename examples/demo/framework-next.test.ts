// `--framework next`: next-app/ built with `next build` (once; reused while its inputs are unchanged) and served
// by `next start` in its own process.
import { describe, expect, it } from 'vitest'
import { startDemo } from './demo-process.js'
import { describeFramework } from './framework-suite.js'
import { nextBuildIsCurrent } from './servers/next-build.js'

// The first start may build the app (about 15 s alone, longer on a busy machine).
describeFramework('next', { startTimeoutMs: 300_000 })

describe('npm run demo -- --framework next (the walk-through)', () => {
  it('reuses the build, pays both routes through withPaywall, and exits 0', async () => {
    expect(nextBuildIsCurrent()).toBe(true)
    const demo = startDemo(['--framework', 'next'])
    const { code } = await demo.exited
    expect(code, demo.stderr()).toBe(0)
    expect(demo.stderr()).not.toContain('building the Next.js app')
    expect(demo.stdout()).toMatch(/<- 200 \{"city":"Lisbon"/)
    expect(demo.stdout()).toContain('Done: the buyer paid 12600 atomic units')
  })
})
