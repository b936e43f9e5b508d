import { afterEach, describe, expect, it, vi } from 'vitest'
import { TollgateError } from '../errors.js'
import { NVM_BACKENDS, nvmBackendUrl, readEnv } from './environments.js'
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
