// Which environment an API key is for, and the network a plan offer defaults to there. Kept apart from
// environments.ts (and free of module-level work) because plan() in the core imports it.
/** The Nevermined environments: the hosted ones, and `custom` for a backend URL of your own. */
export type NvmEnvironment = 'sandbox' | 'live' | 'staging_sandbox' | 'staging_live' | 'custom'

/**
 * A key's prefix names its environment. The backend writes the staging ones as `<tier>-staging`
 * (`sandbox-staging:<JWT>`), as Nevermined's SDKs read them; the environment names themselves are accepted too.
 */
const PREFIX_ENVIRONMENTS: Readonly<Record<string, NvmEnvironment>> = {
  sandbox: 'sandbox',
  live: 'live',
  'sandbox-staging': 'staging_sandbox',
  'live-staging': 'staging_live',
  staging_sandbox: 'staging_sandbox',
  staging_live: 'staging_live',
  custom: 'custom',
}

/** The environment an API key prefix names (case-insensitive), or undefined for a prefix of no known environment. */
export function environmentOfPrefix(prefix: string): NvmEnvironment | undefined {
  const lower = prefix.toLowerCase()
  return Object.prototype.hasOwnProperty.call(PREFIX_ENVIRONMENTS, lower) ? PREFIX_ENVIRONMENTS[lower] : undefined
}

/** The environment of an API key (`<prefix>:<JWT>`), from its prefix alone; undefined when it names none. */
export function environmentOfKey(apiKey: string | undefined): NvmEnvironment | undefined {
  const colon = typeof apiKey === 'string' ? apiKey.indexOf(':') : -1
  return colon > 0 ? environmentOfPrefix((apiKey as string).slice(0, colon)) : undefined
}

/** The default network of `nvm:erc4337` plans in an environment: Base for live ones, Base Sepolia otherwise. */
export function defaultPlanNetwork(environment: NvmEnvironment | undefined): string {
  return environment === 'live' || environment === 'staging_live' ? 'eip155:8453' : 'eip155:84532'
}

/**
 * The default network of a `plan()` made without a facilitator: the environment in NVM_ENVIRONMENT, else that of
 * the key in NVM_API_KEY, else Base Sepolia. Read without importing Node: edge runtimes have no `process`.
 */
export function planNetworkFromEnv(): string {
  let environment: NvmEnvironment | undefined
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    const named = env?.NVM_ENVIRONMENT?.trim()
    environment = named ? environmentOfPrefix(named) : environmentOfKey(env?.NVM_API_KEY?.trim())
  } catch {
    // Deno without --allow-env throws on access.
    environment = undefined
  }
  return defaultPlanNetwork(environment)
}
