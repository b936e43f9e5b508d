// The test facilitator's books: plans, and each payer's balance per plan (credits) or per asset
// (atomic units). Amounts are bigints so large atomic amounts stay exact.
import { TollgateError } from '../errors.js'
import type { PaymentRequirements } from '../codec/types.js'
import type { AmountValue } from '../requirements/types.js'

/** A Nevermined-style plan the test facilitator knows. */
export interface TestPlan {
  /** The plan id, as it appears in `requirements.planId`. */
  planId: string
  /** Credits every payer holds on this plan before any `fund` call (as if each had bought it). Default 0. */
  credits?: AmountValue
}

/** Which balance: a plan's credits, or an asset's atomic units (the token contract address). Give exactly one. */
export interface BalanceTarget {
  planId?: string
  asset?: string
}

export interface Ledger {
  addPlan(plan: TestPlan, where: string): void
  hasPlan(planId: string): boolean
  fund(payer: string, amount: AmountValue, target: BalanceTarget): bigint
  balance(payer: string, target: BalanceTarget): bigint
  /** The balance key a requirement is charged against, or undefined when it names neither plan nor asset. */
  keyOf(requirements: PaymentRequirements): string | undefined
  balanceAt(payer: string, key: string): bigint
  /** Takes `amount` off; false (and nothing changed) when the balance does not cover it. */
  debit(payer: string, key: string, amount: bigint): boolean
  clear(): void
}

export function createLedger(): Ledger {
  const plans = new Map<string, bigint>()
  // `${payer}|${key}` -> balance; missing entries fall back to the plan's starting credits.
  const balances = new Map<string, bigint>()

  function targetKey(target: BalanceTarget | undefined, where: string): string {
    const planId = target?.planId
    const asset = target?.asset
    if ((planId === undefined) === (asset === undefined)) {
      throw new TollgateError('invalid_options', `${where}: give exactly one of { planId } or { asset }.`, {
        path: `${where}.target`,
        expected: '{ planId } or { asset }',
      })
    }
    if (planId !== undefined) {
      if (!plans.has(planId)) throw unknownPlan(planId, where)
      return planKey(planId)
    }
    return assetKey(asset as string)
  }

  function balanceAt(payer: string, key: string): bigint {
    const held = balances.get(entryKey(payer, key))
    if (held !== undefined) return held
    return key.startsWith('plan:') ? (plans.get(key.slice('plan:'.length)) ?? 0n) : 0n
  }

  return {
    addPlan(plan, where) {
      if (typeof plan?.planId !== 'string' || plan.planId === '') {
        throw new TollgateError('invalid_options', `${where}: planId must be a non-empty string.`, {
          path: `${where}.planId`,
          expected: 'a non-empty string',
        })
      }
      plans.set(plan.planId, toUnits(plan.credits ?? 0n, `${where}.credits`))
    },
    hasPlan: (planId) => plans.has(planId),
    fund(payer, amount, target) {
      checkPayer(payer, 'fund')
      const key = targetKey(target, 'fund')
      const next = balanceAt(payer, key) + toUnits(amount, 'fund.amount')
      balances.set(entryKey(payer, key), next)
      return next
    },
    balance(payer, target) {
      checkPayer(payer, 'balance')
      return balanceAt(payer, targetKey(target, 'balance'))
    },
    keyOf(requirements) {
      if (typeof requirements.planId === 'string') return planKey(requirements.planId)
      if (typeof requirements.asset === 'string') return assetKey(requirements.asset)
      return undefined
    },
    balanceAt,
    debit(payer, key, amount) {
      const held = balanceAt(payer, key)
      if (held < amount) return false
      balances.set(entryKey(payer, key), held - amount)
      return true
    },
    clear() {
      plans.clear()
      balances.clear()
    },
  }
}

export function unknownPlan(planId: string, where: string): TollgateError {
  return new TollgateError(
    'invalid_options',
    `${where}: plan "${planId}" is unknown to the test facilitator; call addPlan({ planId: "${planId}", credits }) first.`,
    { path: `${where}.planId`, expected: 'a plan added with addPlan' },
  )
}

/** A non-negative whole amount as a bigint; anything else is a test bug, reported with `path`. */
export function toUnits(value: AmountValue, path: string): bigint {
  if (typeof value === 'bigint' && value >= 0n) return value
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value)
  throw new TollgateError('invalid_options', `${path} must be a non-negative whole number (atomic units or credits), got ${describe(value)}.`, {
    path,
    expected: 'a non-negative integer as a decimal string, bigint or safe integer',
  })
}

function checkPayer(payer: string, where: string): void {
  if (typeof payer !== 'string' || payer === '') {
    throw new TollgateError('invalid_options', `${where}: payer must be a non-empty string (an address or any name).`, {
      path: `${where}.payer`,
      expected: 'a non-empty string',
    })
  }
}

// Addresses are compared without regard to case (checksummed or not).
const planKey = (planId: string) => `plan:${planId}`
const assetKey = (asset: string) => `asset:${asset.toLowerCase()}`
const entryKey = (payer: string, key: string) => `${payer.toLowerCase()}|${key}`

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(value)
}
