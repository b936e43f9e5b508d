// The optional Nevermined part: with NVM_API_KEY set, `POST /ask` costs one credit of a Nevermined plan, and
// the buyer pays it with an access token from the Nevermined backend. The module is loaded only then, so
// the rest of the demo needs neither a key nor a network.

/**
 * @typedef {import('./server-setup.js').NeverminedRoute} NeverminedRoute
 * @typedef {import('@tollgate/x402/client').Payer} Payer
 *
 * @typedef {object} NeverminedSetup
 * @property {NeverminedRoute} route  the facilitator and the plan option for `POST /ask`
 * @property {Payer} payer  how the buyer pays `nvm:erc4337` offers
 */

/**
 * The Nevermined route and payer from the environment, or a reason why there are none.
 *
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ setup: NeverminedSetup } | { skipped: string }>}
 */
export async function neverminedFromEnv(env) {
  const apiKey = env.NVM_API_KEY?.trim()
  if (!apiKey) return { skipped: 'NVM_API_KEY is not set' }
  const planId = env.NVM_PLAN_ID?.trim()
  if (!planId) return { skipped: 'NVM_API_KEY is set but NVM_PLAN_ID is not: POST /ask needs the plan it sells' }
  const agentId = env.NVM_AGENT_ID?.trim() || undefined
  const backendUrl = env.NVM_BACKEND_URL?.trim() || undefined

  /** @type {typeof import('@tollgate/x402/nevermined')} */
  let module
  try {
    module = await import('@tollgate/x402/nevermined')
  } catch (error) {
    return { skipped: `@tollgate/x402/nevermined could not be loaded (${error instanceof Error ? error.message : String(error)})` }
  }
  const { nevermined } = module

  const backend = backendUrl ? { backendUrl } : {}
  const facilitator = nevermined({ apiKey, ...backend })
  // The facilitator's plan(): the offer's network follows the key (live and live-staging keys: Base).
  const option = facilitator.plan({ planId, ...(agentId ? { agentId } : {}), credits: 1, httpVerb: 'POST' })

  const { nvmPayer } = await import('@tollgate/x402/client')
  const payer = nvmPayer({ apiKey, ...backend, planIds: [planId] })
  return { setup: { route: { facilitator, option }, payer } }
}
