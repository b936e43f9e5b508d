// Which Nevermined backend to talk to: the API key's prefix names the environment, and each environment has
// one backend. URLs are those of Nevermined's payments SDK (its `Environments` table).
import { TollgateError } from '../errors.js'
import { environmentOfPrefix, type NvmEnvironment } from './key-environment.js'

export type { NvmEnvironment }

/** The backend of each hosted environment; `custom` is `backendUrl` or `NVM_BACKEND_URL`. */
export const NVM_BACKENDS: Readonly<Record<Exclude<NvmEnvironment, 'custom'>, string>> = Object.freeze({
  sandbox: 'https://api.sandbox.nevermined.app/',
  live: 'https://api.live.nevermined.app/',
  staging_sandbox: 'https://api.sandbox.nevermined.dev/',
  staging_live: 'https://api.live.nevermined.dev/',
})

export const NVM_ENVIRONMENTS: readonly NvmEnvironment[] = ['sandbox', 'live', 'staging_sandbox', 'staging_live', 'custom']

/** Where the backend was chosen from, and the environment when one is known. */
export interface ResolvedBackend {
  /** Always ends with `/`, so API paths resolve under it. */
  url: string
  environment: NvmEnvironment | undefined
}

export interface BackendChoice {
  apiKey?: string
  environment?: string
  backendUrl?: string
}

// `sandbox`, `live`, `sandbox-staging`, `live-staging`, or any other name for a backend of your own.
const PREFIX = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/
const KEY_PREFIXES = 'sandbox, live, sandbox-staging, live-staging'
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * The backend URL for an environment name (`sandbox`) or an API key (`sandbox:eyJ...`). `custom` reads
 * `NVM_BACKEND_URL`. Throws `invalid_options` for anything else.
 */
export function nvmBackendUrl(apiKeyOrEnvironment: string): string {
  if (typeof apiKeyOrEnvironment !== 'string' || apiKeyOrEnvironment === '') {
    throw invalid('apiKeyOrEnvironment', 'nvmBackendUrl() needs an environment name or an API key.', NVM_ENVIRONMENTS.join(' | '))
  }
  const choice: BackendChoice = apiKeyOrEnvironment.includes(':') ? { apiKey: apiKeyOrEnvironment } : { environment: apiKeyOrEnvironment }
  return resolveBackend(choice, 'nvmBackendUrl', choice.apiKey === undefined ? 'apiKeyOrEnvironment' : 'apiKey').url
}

/** The prefix of an API key, after checking the key is `<prefix>:<JWT>`. Never echoes the key. */
export function apiKeyPrefix(apiKey: unknown, who: string, path = 'apiKey'): string {
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw invalid(path, `${who}: ${path} is required: a Nevermined API key such as "sandbox:eyJ...".`, '<environment>:<JWT>')
  }
  const colon = apiKey.indexOf(':')
  const prefix = colon < 0 ? '' : apiKey.slice(0, colon)
  if (colon < 0 || !PREFIX.test(prefix) || !JWT.test(apiKey.slice(colon + 1))) {
    throw invalid(
      path,
      `${who}: ${path} does not look like a Nevermined API key: expected "<environment>:<JWT>" (e.g. "sandbox:eyJ..."), with no spaces or quotes.`,
      '<environment>:<JWT>',
    )
  }
  return prefix
}

/**
 * The backend for a set of options: `backendUrl` wins; then the environment (given, or the key's prefix);
 * `custom` reads `NVM_BACKEND_URL`. An explicit environment must agree with the key's prefix.
 */
export function resolveBackend(choice: BackendChoice, who: string, keyPath = 'apiKey'): ResolvedBackend {
  const prefix = choice.apiKey === undefined ? undefined : apiKeyPrefix(choice.apiKey, who, keyPath)
  const given = choice.environment
  if (given !== undefined && !isEnvironment(given)) {
    throw invalid('environment', `${who}: unknown environment ${JSON.stringify(given)}; expected one of ${NVM_ENVIRONMENTS.join(', ')}.`, NVM_ENVIRONMENTS.join(' | '))
  }
  const keyEnvironment = prefix === undefined ? undefined : environmentOfPrefix(prefix)
  if (given !== undefined && given !== 'custom' && keyEnvironment !== undefined && keyEnvironment !== 'custom' && given !== keyEnvironment) {
    throw invalid(
      'environment',
      `${who}: environment "${given}" disagrees with the API key, which is for "${keyEnvironment}"; a key works only in its own environment.`,
      keyEnvironment,
    )
  }
  const environment = given ?? keyEnvironment
  if (choice.backendUrl !== undefined) return { url: checkUrl(choice.backendUrl, 'backendUrl', who), environment }
  if (environment !== undefined && environment !== 'custom') return { url: NVM_BACKENDS[environment], environment }
  const fromEnv = readEnv('NVM_BACKEND_URL')
  if (fromEnv !== undefined && fromEnv !== '') return { url: checkUrl(fromEnv, 'NVM_BACKEND_URL', who), environment: 'custom' }
  const why =
    environment === 'custom'
      ? 'the "custom" environment needs backendUrl (or NVM_BACKEND_URL)'
      : prefix !== undefined
        ? `the API key's prefix "${prefix}" is not a known environment (${KEY_PREFIXES}); give backendUrl (or NVM_BACKEND_URL)`
        : 'give an API key, an environment or backendUrl'
  throw invalid('backendUrl', `${who}: no backend to talk to: ${why}.`, 'an absolute http(s) URL')
}

export { defaultPlanNetwork } from './key-environment.js'

function isEnvironment(value: string): value is NvmEnvironment {
  return (NVM_ENVIRONMENTS as readonly string[]).includes(value)
}

function checkUrl(value: unknown, path: string, who: string): string {
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
    throw invalid(path, `${who}: ${path} must be an absolute http(s) URL without credentials, such as https://api.sandbox.nevermined.app/.`, 'an absolute http(s) URL')
  }
  url.search = ''
  url.hash = ''
  // A base without a trailing slash would drop its last segment when API paths are resolved against it.
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url.href
}

/** Reads an environment variable without importing Node: edge runtimes have no `process`. */
export function readEnv(name: string): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    const value = env?.[name]
    return typeof value === 'string' ? value.trim() : undefined
  } catch {
    // Deno without --allow-env throws on access.
    return undefined
  }
}

function invalid(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', message, { path, expected })
}
