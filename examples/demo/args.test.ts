import { describe, expect, it } from 'vitest'
import { DEFAULT_SERVE_PORT, readArgs } from './args.js'

describe('readArgs', () => {
  it('runs the walk-through on a free port and anvil\'s own chain by default', () => {
    expect(readArgs([])).toEqual({ serve: false, port: 0, chainId: 31337, help: false })
  })

  it('serves on a fixed port unless told otherwise', () => {
    expect(readArgs(['--serve'])).toMatchObject({ serve: true, port: DEFAULT_SERVE_PORT })
    expect(readArgs(['--serve', '--port', '0', '--chain-id', '84532'])).toEqual({ serve: true, port: 0, chainId: 84532, help: false })
    expect(readArgs(['--serve', '--port=8080'])).toMatchObject({ port: 8080 })
  })

  it('refuses what it does not understand', () => {
    expect(() => readArgs(['--port', '70000'])).toThrow('--port must be a whole number from 0 to 65535, got "70000"')
    expect(() => readArgs(['--chain-id', '0x1'])).toThrow('--chain-id must be a whole number')
    expect(() => readArgs(['--sevre'])).toThrow(/Unknown option '--sevre'/)
    expect(() => readArgs(['weather'])).toThrow()
  })
})
