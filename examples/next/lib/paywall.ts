// The payment options and policies every route shares. Settings come from the environment
// (see @tollgate/contract/app-env), read when a route module loads.
import { exact, plan } from '@tollgate/next'
import { appConfigFromEnv } from '@tollgate/contract/app-env'

export const config = appConfigFromEnv(process.env)
export const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: config.payTo })
export const credits = plan({ planId: config.planId, credits: 5 })
export const policies = { facilitator: config.facilitator, verifyTimeoutMs: config.verifyTimeoutMs, settleTimeoutMs: config.settleTimeoutMs }
