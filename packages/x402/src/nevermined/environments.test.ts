import { afterEach, describe, expect, it, vi } from 'vitest'
import { TollgateError } from '../errors.js'
import { NVM_BACKENDS, nvmBackendUrl, readEnv, resolveBackend } from './environments.js'
import { defaultPlanNetwork, environmentOfKey, planNetworkFromEnv } from './key-environment.js'
import { API_KEY } from './test-backend.js'

const JWT = API_KEY.slice(API_KEY.indexOf(':') + 1)

afterEach(() => {
  vi.unstubAllEnvs()
  vi.unstubAllGlobals()
})

describe('nvmBackendUrl()', () => {
  it.each([
    ['sandbox', 'https://api.sandbox.nevermined.app/'],
    ['live', 'https://api.live.nevermined.app/'],
    ['staging_sandbox', 'https://api.sandbox.nevermined.dev/'],
    ['staging_live', 'https://api.live.nevermined.dev/'],
  ])('maps %s, as a name and as a key prefix', (environment, url) => {
    expect(nvmBackendUrl(environment)).toBe(url)
    expect(nvmBackendUrl(`${environment}:${JWT}`)).toBe(url)
    expect(NVM_BACKENDS[environment as keyof typeof NVM_BACKENDS]).toBe(url)
  })

  it.each([
    ['sandbox', 'sandbox', 'https://api.sandbox.nevermined.app/'],
    ['live', 'live', 'https://api.live.nevermined.app/'],
    ['sandbox-staging', 'staging_sandbox', 'https://api.sandbox.nevermined.dev/'],
    ['live-staging', 'staging_live', 'https://api.live.nevermined.dev/'],
    ['Sandbox-Staging', 'staging_sandbox', 'https://api.sandbox.nevermined.dev/'],
  ])('maps a %s:<JWT> key, as Nevermined issues it, to %s', (prefix, environment, url) => {
    const key = `${prefix}:${JWT}`
    expect(nvmBackendUrl(key)).toBe(url)
    expect(resolveBackend({ apiKey: key }, 'test')).toEqual({ url, environment })
    // An explicit environment that names the same one agrees with the key.
    expect(resolveBackend({ apiKey: key, environment }, 'test').url).toBe(url)
  })

  it('sends a key of a backend of your own to backendUrl, whatever its prefix', () => {
    for (const key of [`custom:${JWT}`, `local-dev:${JWT}`, `sandbox-staging:${JWT}`]) {
      expect(resolveBackend({ apiKey: key, backendUrl: 'http://localhost:3001' }, 'test').url).toBe('http://localhost:3001/')
    }
    expect(resolveBackend({ apiKey: `custom:${JWT}`, backendUrl: 'http://localhost:3001' }, 'test').environment).toBe('custom')
  })

  it('refuses a staging key against another environment, and a malformed key, without echoing it', () => {
    for (const attempt of [
      () => resolveBackend({ apiKey: `live-staging:${JWT}`, environment: 'sandbox' }, 'test'),
      () => resolveBackend({ apiKey: `live staging:${JWT}` }, 'test'),
      () => resolveBackend({ apiKey: `sandbox-staging:${JWT} ` }, 'test'),
      () => resolveBackend({ apiKey: `moon-staging:${JWT}` }, 'test'),
    ]) {
      let thrown: unknown
      try {
        attempt()
      } catch (error) {
        thrown = error
      }
      expect((thrown as TollgateError).code).toBe('invalid_options')
      expect((thrown as Error).message).not.toContain(JWT)
      expect(JSON.stringify((thrown as TollgateError).details)).not.toContain(JWT)
    }
  })

  it('reads NVM_BACKEND_URL for custom, adding the trailing slash', () => {
    vi.stubEnv('NVM_BACKEND_URL', 'http://localhost:3001/base')
    expect(nvmBackendUrl('custom')).toBe('http://localhost:3001/base/')
  })

  it('does not let NVM_BACKEND_URL override a hosted environment', () => {
    vi.stubEnv('NVM_BACKEND_URL', 'http://localhost:3001')
    expect(nvmBackendUrl('sandbox')).toBe('https://api.sandbox.nevermined.app/')
  })

  it('refuses unknown names and custom without a URL, without echoing a key', () => {
    vi.stubEnv('NVM_BACKEND_URL', '')
    expect(() => nvmBackendUrl('production')).toThrowError(TollgateError)
    expect(() => nvmBackendUrl('custom')).toThrowError(/backendUrl/)
    let thrown: unknown
    try {
      nvmBackendUrl(`moon:${JWT}`)
    } catch (error) {
      thrown = error
    }
    expect((thrown as TollgateError).code).toBe('invalid_options')
    expect((thrown as Error).message).not.toContain(JWT)
  })
})

describe('the default plan network', () => {
  it.each([
    ['sandbox', 'eip155:84532'],
    ['sandbox-staging', 'eip155:84532'],
    ['live', 'eip155:8453'],
    ['live-staging', 'eip155:8453'],
    ['custom', 'eip155:84532'],
  ])('follows a %s key: %s', (prefix, network) => {
    expect(defaultPlanNetwork(environmentOfKey(`${prefix}:${JWT}`))).toBe(network)
  })

  it('reads NVM_ENVIRONMENT first, then the key in NVM_API_KEY, else Base Sepolia', () => {
    vi.stubEnv('NVM_ENVIRONMENT', '')
    vi.stubEnv('NVM_API_KEY', '')
    expect(planNetworkFromEnv()).toBe('eip155:84532')
    vi.stubEnv('NVM_API_KEY', `live-staging:${JWT}`)
    expect(planNetworkFromEnv()).toBe('eip155:8453')
    vi.stubEnv('NVM_ENVIRONMENT', 'sandbox')
    expect(planNetworkFromEnv()).toBe('eip155:84532')
    vi.stubEnv('NVM_ENVIRONMENT', 'staging_live')
    expect(planNetworkFromEnv()).toBe('eip155:8453')
  })
})

describe('readEnv()', () => {
  it('returns undefined where there is no process (edge runtimes)', () => {
    vi.stubGlobal('process', undefined)
    expect(readEnv('NVM_BACKEND_URL')).toBeUndefined()
  })

  it('returns undefined when reading the environment throws (Deno without --allow-env)', () => {
    vi.stubGlobal('process', {
      get env(): never {
        throw new Error('denied')
      },
    })
    expect(readEnv('NVM_BACKEND_URL')).toBeUndefined()
  })
})
