// Smart-contract wallets (ERC-1271) paying through localFacilitator on a real anvil chain: a TestWallet holds the
// TestUSDC, its owner signs, the wallet accepts, the token moves the wallet's money.
import { encodeFunctionData, serializeErc6492Signature, type Address, type PrivateKeyAccount } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator } from '../facilitator/types.js'
import { deployTestWallet, fundUsdc, usdcBalance } from './anvil.js'
import { createPaywall, exact } from '../index.js'
import { wrapFetch } from '../client/index.js'
import { exactPayer } from '../client/exact-payer.js'
import { localFacilitator } from './facilitator.js'
import { EXACT_EVM_REASONS } from './scheme.js'
import { createExactPayment, randomNonce, type ExactPayerAccount, type ExactPayment } from './signer.js'
import { TEST_WALLET_FACTORY_ABI, TEST_WALLET_FACTORY_BYTECODE } from './test-wallet-factory.artifact.js'
import { requestFor as requestOf } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

const chain = useUsdcChain({ chainId: CHAIN_ID, price: PRICE })
let walletOwner: PrivateKeyAccount
let stranger: PrivateKeyAccount
let wallet: Address
let facilitator: Facilitator

beforeAll(async () => {
  walletOwner = chain.anvil.accounts[3]!
  stranger = chain.anvil.accounts[4]!
  wallet = await deployTestWallet(chain.owner, walletOwner.address)
  await fundUsdc(chain.owner, chain.token, wallet, 1_000_000n)
  facilitator = localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.anvil.privateKeys[5]!, pollingIntervalMs: 50 })
}, 30_000)

/** The wallet as a payer: its address is `from`, and `signer` signs for it. */
const walletAccount = (signer: PrivateKeyAccount, address: Address = wallet): ExactPayerAccount => ({
  address,
  signTypedData: (typedData) => signer.signTypedData(typedData),
})

const requestFor = (payment: ExactPayment) => requestOf(payment, chain.requirements)

const live = () => new AbortController().signal

describe('smart-contract wallets (ERC-1271)', () => {
  it('verifies a payment its owner signed for the wallet, and settles it from the wallet', async () => {
    const payment = await createExactPayment({ account: walletAccount(walletOwner), requirements: chain.requirements })
    const verdict = await facilitator.verify(requestFor(payment), live())
    expect(verdict).toMatchObject({ isValid: true, payer: wallet })

    const [walletBefore, payeeBefore] = await Promise.all([usdcBalance(chain.owner, chain.token, wallet), usdcBalance(chain.owner, chain.token, chain.payTo)])
    const settled = await facilitator.settle(requestFor(payment), live())
    expect(settled).toMatchObject({ success: true, payer: wallet, amount: PRICE.toString() })
    expect(await usdcBalance(chain.owner, chain.token, wallet)).toBe(walletBefore - PRICE)
    expect(await usdcBalance(chain.owner, chain.token, chain.payTo)).toBe(payeeBefore + PRICE)

    // The authorization is spent: the same payment again is refused.
    expect(await facilitator.verify(requestFor(payment), live())).toMatchObject({ isValid: false, invalidReason: EXACT_EVM_REASONS.nonceUsed })
  })

  it('pays a paywall end to end: wrapFetch + exactPayer for the wallet, createPaywall + localFacilitator', async () => {
    const paywall = createPaywall({
      facilitator,
      routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo: chain.payTo, asset: { address: chain.token, name: 'USDC', version: '2', decimals: 6 } }) },
    })
    const app = paywall.protect((_request, ctx) => Response.json({ paidBy: ctx.payment?.payer }))
    const paidFetch = wrapFetch(app, { payers: [exactPayer(walletAccount(walletOwner))], maxAmount: '$0.05' })
    const before = await usdcBalance(chain.owner, chain.token, wallet)
    const response = await paidFetch('http://localhost/report')
    expect(response.status).toBe(200)
    expect(((await response.json()) as { paidBy: string }).paidBy.toLowerCase()).toBe(wallet.toLowerCase())
    expect(await usdcBalance(chain.owner, chain.token, wallet)).toBe(before - PRICE)
    await paywall.close()
  })

  it('refuses a signature the wallet does not accept, and says the wallet refused it', async () => {
    const payment = await createExactPayment({ account: walletAccount(stranger), requirements: chain.requirements })
    const verdict = await facilitator.verify(requestFor(payment), live())
    expect(verdict).toMatchObject({ isValid: false, invalidReason: EXACT_EVM_REASONS.signature, payer: wallet })
    expect(verdict.invalidMessage).toContain(`smart-contract wallet ${wallet} does not accept the signature (ERC-1271)`)
    const before = await usdcBalance(chain.owner, chain.token, wallet)
    expect(await facilitator.settle(requestFor(payment), live())).toMatchObject({ success: false, errorReason: EXACT_EVM_REASONS.signature })
    expect(await usdcBalance(chain.owner, chain.token, wallet)).toBe(before)
  })

  it('keeps the plain answer for an account with no code', async () => {
    const payment = await createExactPayment({ account: walletAccount(stranger, walletOwner.address), requirements: chain.requirements })
    const verdict = await facilitator.verify(requestFor(payment), live())
    expect(verdict).toMatchObject({ isValid: false, invalidReason: EXACT_EVM_REASONS.signature })
    expect(verdict.invalidMessage).toContain(`The signature recovers ${stranger.address}`)
  })

  describe('a wallet that is not deployed yet (ERC-6492)', () => {
    /** A wallet address from the factory that `walletOwner` will own, funded but without code; its payer account. */
    async function counterfactualWallet(signer: PrivateKeyAccount = walletOwner) {
      const salt = randomNonce()
      const calldata = encodeFunctionData({ abi: TEST_WALLET_FACTORY_ABI, functionName: 'deploy', args: [walletOwner.address, salt] })
      const address = await chain.owner.readContract({ address: factory, abi: TEST_WALLET_FACTORY_ABI, functionName: 'addressOf', args: [walletOwner.address, salt] })
      await fundUsdc(chain.owner, chain.token, address, 100_000n)
      const account: ExactPayerAccount = {
        address,
        signTypedData: async (typedData) => serializeErc6492Signature({ address: factory, data: calldata, signature: await signer.signTypedData(typedData) }),
      }
      return { address, account }
    }

    let factory: Address
    beforeAll(async () => {
      const hash = await chain.owner.deployContract({ abi: TEST_WALLET_FACTORY_ABI, bytecode: TEST_WALLET_FACTORY_BYTECODE })
      factory = (await chain.owner.waitForTransactionReceipt({ hash })).contractAddress!
    })

    it('is refused, with what to do, by a facilitator not given the factory', async () => {
      const { address, account } = await counterfactualWallet()
      const payment = await createExactPayment({ account, requirements: chain.requirements })
      const verdict = await facilitator.verify(requestFor(payment), live())
      expect(verdict).toMatchObject({ isValid: false, invalidReason: EXACT_EVM_REASONS.signature, payer: address })
      expect(verdict.invalidMessage?.toLowerCase()).toContain(`the factory ${factory.toLowerCase()}`)
      expect(verdict.invalidMessage).toContain('erc6492Factories')
      expect(verdict.invalidMessage).toContain('deploy the wallet first')
      expect(await chain.owner.getCode({ address })).toBeUndefined()
    })

    it('is deployed from an allowed factory, then settled from the new wallet', async () => {
      const deploying = localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.anvil.privateKeys[6]!, pollingIntervalMs: 50, erc6492Factories: [factory] })
      const { address, account } = await counterfactualWallet()
      const payment = await createExactPayment({ account, requirements: chain.requirements })
      expect(await deploying.verify(requestFor(payment), live())).toMatchObject({ isValid: true, payer: address })
      // Verifying sent nothing: the wallet still does not exist.
      expect(await chain.owner.getCode({ address })).toBeUndefined()

      const payeeBefore = await usdcBalance(chain.owner, chain.token, chain.payTo)
      expect(await deploying.settle(requestFor(payment), live())).toMatchObject({ success: true, payer: address })
      expect(await chain.owner.getCode({ address })).toMatch(/^0x[0-9a-f]{2,}$/)
      expect(await usdcBalance(chain.owner, chain.token, address)).toBe(100_000n - PRICE)
      expect(await usdcBalance(chain.owner, chain.token, chain.payTo)).toBe(payeeBefore + PRICE)

      // Deployed now: the next payment with the same wrapper is checked by the wallet itself.
      const again = await createExactPayment({ account, requirements: chain.requirements })
      expect(await deploying.settle(requestFor(again), live())).toMatchObject({ success: true, payer: address })
      expect(await usdcBalance(chain.owner, chain.token, address)).toBe(100_000n - 2n * PRICE)
    })

    it('is refused when the wallet, once deployed, would not accept the signature', async () => {
      const deploying = localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.anvil.privateKeys[6]!, erc6492Factories: [factory] })
      const { address, account } = await counterfactualWallet(stranger)
      const payment = await createExactPayment({ account, requirements: chain.requirements })
      const verdict = await deploying.verify(requestFor(payment), live())
      expect(verdict).toMatchObject({ isValid: false, invalidReason: EXACT_EVM_REASONS.signature })
      expect(verdict.invalidMessage).toContain('does not accept the signature (ERC-6492)')
      expect(await deploying.settle(requestFor(payment), live())).toMatchObject({ success: false })
      expect(await chain.owner.getCode({ address })).toBeUndefined()
    })

    it('refuses erc6492Factories that are not addresses, when constructed', () => {
      expect(() => localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.anvil.privateKeys[6]!, erc6492Factories: ['factory' as Address] })).toThrow(
        /erc6492Factories must be a list of contract addresses/,
      )
    })
  })
})
