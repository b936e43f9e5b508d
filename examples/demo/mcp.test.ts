// `npm run demo -- --mcp` end to end: a child process that starts anvil, a paid MCP server and an agent that
// lists the tools, pays one call on chain, prints the result and the receipt, and stops everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readArgs } from './args.js'
import { anvilPid, isRunning, startDemo, type DemoProcess } from './demo-process.js'

describe('npm run demo -- --mcp', () => {
  let demo: DemoProcess
  let result: { code: number | null; signal: NodeJS.Signals | null }
  let output: string

  beforeAll(async () => {
    demo = startDemo(['--mcp'])
    result = await demo.exited
    output = demo.stdout()
  })
  afterAll(async () => {
    await demo?.stop()
  })

  it('exits 0', () => {
    expect(result, demo.stderr()).toEqual({ code: 0, signal: null })
  })

  it('lists the tools with the paid one\'s price', () => {
    expect(output).toContain('== tools/list')
    expect(output).toContain('ping: Is the server up? - free')
    expect(output).toContain('forecast: Three-day forecast - $0.01 (exact on eip155:31337)')
  })

  it('shows what the payment-required result asks, pays, and prints the result and the receipt', () => {
    expect(output).toContain('<- payment-required tool result')
    expect(output).toContain('   extensions: bazaar, payment-identifier (discovery metadata for the tool, and payment ids)')
    expect(output).toMatch(/│ amount\s+│ 10000 atomic = \$0\.01\s+│/)
    expect(output).toMatch(/<- Lisbon: sunny, 24°C; cloudy, 21°C; rain, 18°C \(paid by 0x[0-9a-fA-F]{40}\)/)
    expect(output).toMatch(/│ success\s+│ true\s+│/)
    expect(output).toMatch(/│ transaction\s+│ 0x[0-9a-f]{64}\s+│/)
  })

  it('moves the balances by exactly the price', () => {
    expect(output).toMatch(/│ buyer\s+│ 0x[0-9a-fA-F]{40} │ 10\.000000 │ 9\.990000 │ -0\.010000 │/)
    expect(output).toMatch(/│ seller\s+│ 0x[0-9a-fA-F]{40} │ 0\.000000\s+│ 0\.010000 │ \+0\.010000 │/)
    expect(output).toContain('Done: the agent paid 10000 atomic units ($0.01) for one tool call')
  })

  it('leaves no anvil running', () => {
    const pid = anvilPid(output)
    expect(isRunning(pid)).toBe(false)
    expect(demo.stderr()).toContain(`stopped anvil (pid ${pid})`)
    expect(demo.stderr()).toContain('stopped the MCP server')
  })

  it('takes --mcp alone: not with --serve, --framework or --redis', () => {
    expect(readArgs(['--mcp'])).toMatchObject({ mcp: true, serve: false })
    expect(() => readArgs(['--mcp', '--serve'])).toThrow('--mcp runs the MCP story on its own')
    expect(() => readArgs(['--mcp', '--framework', 'hono'])).toThrow('--mcp runs the MCP story on its own')
  })
})
