// Gasless Permit2 interop both ways, on anvil with buyers that hold no ETH: the reference client (@x402/evm
// ExactEvmScheme with its gas-sponsoring extensions, through @x402/core's x402Client) pays Tollgate routes that
// declare eip2612GasSponsoring and erc20ApprovalGasSponsoring (localFacilitator submits); Tollgate's exactPayer pays
// reference @x402/hono routes declaring eip2612GasSponsoring (the reference facilitator calls settleWithPermit on our
// x402 exact proxy at its canonical address) and erc20ApprovalGasSponsoring (its extension signer funds and sends).
import { x402Client } from '@x402/core/client'
import {
  createErc20ApprovalGasSponsoringExtension,
  declareEip2612GasSponsoringExtension,
  declareErc20ApprovalGasSponsoringExtension,
  type Erc20ApprovalGasSponsoringSigner,
  type TransactionRequest,
} from '@x402/extensions'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { ExactEvmScheme as ReferenceExactClient } from '@x402/evm/exact/client'
import { ExactEvmScheme as ReferenceExactFacilitator } from '@x402/evm/exact/facilitator'
import { ExactEvmScheme as ReferenceExactServer } from '@x402/evm/exact/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import { parseTransaction, recoverTransactionAddress, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentRequired, PAYMENT_REQUIRED, PAYMENT_SIGNATURE } from '../codec/headers.js'
import { encodeBase64Json } from '../codec/base64.js'
import { createPaywall, exact, type Paywall } from '../index.js'
import { eip2612GasSponsoring, erc20ApprovalGasSponsoring } from '../extensions/gas-sponsoring/index.js'
import { exactPayer } from '../client/exact-payer.js'
import { getReceipt } from '../client/receipt.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { listen } from '../test-support/server.js'
import { referenceFacilitator } from '../test-support/reference-facilitator.js'
import { anvilClient, deployTestToken, fundUsdc, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'

let anvil: AnvilInstance
let owner: AnvilClient
let payTo: Address
let usdc: Address
let plainToken: Address
let network: `eip155:${number}`

beforeAll(async () => {
  ;({ anvil, owner, payTo, token: usdc } = await startUsdcChain({ permit: true }))
  network = `eip155:${anvil.chainId}`
  plainToken = await deployTestToken(owner)
}, 30_000)

afterAll(async () => {
  await anvil?.stop()
})

async function brokeBuyer(token: Address): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  await fundUsdc(owner, token, buyer.address, 100_000n)
  expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  return buyer
}

describe('the reference client with no ETH pays Tollgate routes that declare gas sponsoring (localFacilitator)', () => {
  let paywall: Paywall
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    paywall = createPaywall({
      facilitator: localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50, approvalSponsoring: true }),
      routes: {
        'GET /usdc': { accepts: exact({ amount: '20000', network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 }, assetTransferMethod: 'permit2' }), extensions: [eip2612GasSponsoring()] },
        'GET /plain': { accepts: exact({ amount: '30000', network, payTo, asset: plainToken, assetTransferMethod: 'permit2' }), extensions: [erc20ApprovalGasSponsoring()] },
      },
    })
    ;({ url, close } = await listen(paywall.protect(() => Response.json({ ok: true }))))
  })
  afterAll(async () => {
    await close?.()
    await paywall?.close()
  })

  async function payAsReference(path: string, buyer: PrivateKeyAccount) {
    const unpaid = await fetch(`${url}${path}`)
    expect(unpaid.status).toBe(402)
    const decoded = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED)!)
    if (!decoded.ok) throw decoded.error
    const scheme = new ReferenceExactClient(buyer, { rpcUrl: anvil.rpcUrl })
    const client = new x402Client().register('eip155:*', scheme).setSpendControls(false)
    const payload = (await client.createPaymentPayload(decoded.value as Parameters<typeof client.createPaymentPayload>[0])) as unknown as { extensions?: Record<string, { info: Record<string, unknown> }> }
    const response = await fetch(`${url}${path}`, { headers: { [PAYMENT_SIGNATURE]: encodeBase64Json(payload) } })
    return { payload, response }
  }

  it('eip2612GasSponsoring: its permit is submitted with the transfer; 200, the token moved, its ETH still 0', async () => {
    const buyer = await brokeBuyer(usdc)
    const { payload, response } = await payAsReference('/usdc', buyer)
    expect(payload.extensions?.eip2612GasSponsoring?.info).toMatchObject({ from: buyer.address, amount: '20000', nonce: '0' })
    expect(response.status).toBe(200)
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(80_000n)
    expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  })

  it('erc20ApprovalGasSponsoring: its signed approval is funded and broadcast, then the transfer; 200', async () => {
    const buyer = await brokeBuyer(plainToken)
    const { payload, response } = await payAsReference('/plain', buyer)
    expect(payload.extensions?.erc20ApprovalGasSponsoring?.info).toMatchObject({ from: buyer.address, signedTransaction: expect.stringMatching(/^0x02/) })
    expect(response.status).toBe(200)
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(70_000n)
  })
})

describe("Tollgate's exactPayer with no ETH pays a reference @x402/hono route declaring eip2612GasSponsoring (reference facilitator)", () => {
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    const { client: facilitatorClient } = referenceFacilitator(anvil, anvil.accounts[6]!, network, (signer) => new ReferenceExactFacilitator(signer))
    const resourceServer = new x402ResourceServer(facilitatorClient).register(network, new ReferenceExactServer())
    const app = new Hono()
    app.use(
      paymentMiddleware(
        {
          'GET /report': {
            accepts: { scheme: 'exact', network, payTo, price: { amount: '15000', asset: usdc, extra: { name: 'USDC', version: '2', assetTransferMethod: 'permit2' } } },
            extensions: { ...declareEip2612GasSponsoringExtension() },
          },
        },
        resourceServer,
      ),
    )
    app.get('/report', (c) => c.json({ report: 'ready' }))
    ;({ url, close } = await listen(app.fetch))
  }, 30_000)
  afterAll(async () => {
    await close?.()
  })

  it('signs the permit, the reference facilitator submits it: 200, the token moved, its ETH still 0', async () => {
    const buyer = await brokeBuyer(usdc)
    const sent: string[] = []
    const recording = async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init)
      const header = request.headers.get(PAYMENT_SIGNATURE)
      if (header) sent.push(header)
      return fetch(request)
    }
    const response = await wrapFetch(recording, { payers: [exactPayer(buyer, { rpcUrl: anvil.rpcUrl })] })(`${url}/report`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ report: 'ready' })
    expect(getReceipt(response)).toMatchObject({ success: true, network })
    const extensions = JSON.parse(Buffer.from(sent[0]!, 'base64').toString('utf8')).extensions
    expect(extensions.eip2612GasSponsoring.info).toMatchObject({ from: buyer.address, spender: '0x000000000022D473030F116dDEE9F6B43aC78BA3', amount: '15000' })
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(85_000n)
    expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  })
})

/**
 * What a reference facilitator's operator supplies for erc20ApprovalGasSponsoring: a signer whose
 * `sendTransactions` funds the payer's approval gas, broadcasts it, then sends the settle (one after the other here).
 */
function approvalSigner(account: PrivateKeyAccount): Erc20ApprovalGasSponsoringSigner {
  const wallet = anvilClient(anvil, account)
  const base = toFacilitatorEvmSigner(Object.assign(wallet, { address: account.address }) as never) as unknown as Omit<Erc20ApprovalGasSponsoringSigner, 'sendTransactions'>
  return {
    ...base,
    async sendTransactions(transactions: TransactionRequest[]) {
      const hashes: Hex[] = []
      for (const transaction of transactions) {
        if (typeof transaction === 'string') {
          const parsed = parseTransaction(transaction)
          const payer = await recoverTransactionAddress({ serializedTransaction: transaction as never })
          const funded = await wallet.sendTransaction({ to: payer, value: parsed.gas! * parsed.maxFeePerGas! })
          await wallet.waitForTransactionReceipt({ hash: funded })
          const hash = await wallet.sendRawTransaction({ serializedTransaction: transaction as never })
          await wallet.waitForTransactionReceipt({ hash })
          hashes.push(hash)
        } else {
          hashes.push(await wallet.sendTransaction({ to: transaction.to, data: transaction.data, ...(transaction.gas ? { gas: transaction.gas } : {}) }))
        }
      }
      return hashes
    },
  }
}

describe("Tollgate's exactPayer with no ETH pays a reference route declaring erc20ApprovalGasSponsoring (reference facilitator)", () => {
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    const { facilitator, client: facilitatorClient } = referenceFacilitator(anvil, anvil.accounts[7]!, network, (signer) => new ReferenceExactFacilitator(signer))
    facilitator.registerExtension(createErc20ApprovalGasSponsoringExtension(approvalSigner(anvil.accounts[7]!)))
    const resourceServer = new x402ResourceServer(facilitatorClient).register(network, new ReferenceExactServer())
    const app = new Hono()
    app.use(
      paymentMiddleware(
        {
          'GET /file': {
            accepts: { scheme: 'exact', network, payTo, price: { amount: '25000', asset: plainToken, extra: { assetTransferMethod: 'permit2' } } },
            extensions: { ...declareErc20ApprovalGasSponsoringExtension() },
          },
        },
        resourceServer,
      ),
    )
    app.get('/file', (c) => c.json({ file: 'ready' }))
    ;({ url, close } = await listen(app.fetch))
  }, 30_000)
  afterAll(async () => {
    await close?.()
  })

  it('signs the approval, the reference facilitator funds and broadcasts it, then settles: 200, the token moved', async () => {
    const buyer = await brokeBuyer(plainToken)
    const response = await wrapFetch(fetch, { payers: [exactPayer(buyer, { rpcUrl: anvil.rpcUrl })] })(`${url}/file`)
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, network })
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(75_000n)
  })
})
