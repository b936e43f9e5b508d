import { describe, expect, it } from 'vitest'
import { DEFAULT_SERVE_PORT, readArgs } from './args.js'

describe('readArgs', () => {
  it('runs the walk-through on a free port, anvil\'s own chain and the core\'s own server by default', () => {
    expect(readArgs([])).toEqual({ serve: false, port: 0, chainId: 31337, framework: 'fetch', help: false })
  })

  it('serves on a fixed port unless told otherwise', () => {
    expect(readArgs(['--serve'])).toMatchObject({ serve: true, port: DEFAULT_SERVE_PORT })
    expect(readArgs(['--serve', '--port', '0', '--chain-id', '84532'])).toEqual({ serve: true, port: 0, chainId: 84532, framework: 'fetch', help: false })
    expect(readArgs(['--serve', '--port=8080'])).toMatchObject({ port: 8080 })
  })

  it('takes a framework, a Redis URL, and another demo\'s chain', () => {
    expect(readArgs(['--framework', 'next'])).toMatchObject({ framework: 'next' })
    expect(readArgs(['--framework', 'express'])).toMatchObject({ framework: 'express' })
    expect(readArgs(['--redis', 'redis://127.0.0.1:6379'])).toMatchObject({ redis: 'redis://127.0.0.1:6379' })
    const asset = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
    expect(readArgs(['--rpc-url', 'http://127.0.0.1:8545', '--asset', asset])).toMatchObject({ join: { rpcUrl: 'http://127.0.0.1:8545', asset } })
  })

  it('refuses what it does not understand', () => {
    expect(() => readArgs(['--port', '70000'])).toThrow('--port must be a whole number from 0 to 65535, got "70000"')
    expect(() => readArgs(['--chain-id', '0x1'])).toThrow('--chain-id must be a whole number')
    expect(() => readArgs(['--sevre'])).toThrow(/Unknown option '--sevre'/)
    expect(() => readArgs(['weather'])).toThrow()
    expect(() => readArgs(['--framework', 'koa'])).toThrow('--framework must be one of fetch, hono, fastify, next, bun, express, node, got "koa"')
    expect(() => readArgs(['--redis', 'localhost:6379'])).toThrow('--redis must be a redis:// or rediss:// URL')
  })

  it('needs --rpc-url and --asset together, and no --chain-id with them', () => {
    const asset = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
    expect(() => readArgs(['--rpc-url', 'http://127.0.0.1:8545'])).toThrow('--rpc-url and --asset go together')
    expect(() => readArgs(['--asset', asset])).toThrow('--rpc-url and --asset go together')
    expect(() => readArgs(['--rpc-url', 'http://127.0.0.1:8545', '--asset', '0x12'])).toThrow('--asset must be a 0x-prefixed 20-byte address')
    expect(() => readArgs(['--rpc-url', 'http://127.0.0.1:8545', '--asset', asset, '--chain-id', '84532'])).toThrow('--chain-id starts a chain')
  })
})
