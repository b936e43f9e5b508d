// The route's side of gasless Permit2, without a chain: what the 402 declares (only for Permit2 offers), that the
// reference @x402/extensions helpers read our declaration and our buyer's info as theirs, and that a malformed
// info is refused as invalid_extension before anything is charged.
import {
  declareEip2612GasSponsoringExtension,
  declareErc20ApprovalGasSponsoringExtension,
  extractEip2612GasSponsoringInfo,
  validateEip2612GasSponsoringInfo,
  validateErc20ApprovalGasSponsoringInfo,
} from '@x402/extensions'
import { describe, expect, it } from 'vitest'
import type { PaymentRequirements } from '../../codec/types.js'
import type { DeclareContext, PaymentToRead } from '../contract.js'
import { eip2612GasSponsoring, erc20ApprovalGasSponsoring, isPermit2Offer } from './index.js'
import { readSponsoringInfo } from './wire.js'

const ADDRESS = '0x1111111111111111111111111111111111111111'
const offer = (scheme: string, extra: Record<string, unknown> = {}, network = 'eip155:8453'): PaymentRequirements => ({
  scheme,
  network,
  amount: '1000',
  asset: ADDRESS,
  payTo: ADDRESS,
  maxTimeoutSeconds: 60,
  extra,
})
const context = (accepts: PaymentRequirements[]): DeclareContext => ({ route: 'GET /x', method: 'GET', path: '/x', resource: { url: 'http://localhost/x' }, accepts })
const permitInfo = {
  from: ADDRESS,
  asset: ADDRESS,
  spender: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
  amount: '1000',
  nonce: '0',
  deadline: '1900000000',
  signature: '0x' + 'ab'.repeat(65),
  version: '1',
}
const payment = {} as PaymentToRead

describe('eip2612GasSponsoring / erc20ApprovalGasSponsoring on a route', () => {
  it('declare what the reference declares, for upto and Permit2 exact offers only', () => {
    const permit2 = context([offer('exact'), offer('exact', { assetTransferMethod: 'permit2' })])
    expect(eip2612GasSponsoring().declare!(permit2)).toEqual(declareEip2612GasSponsoringExtension().eip2612GasSponsoring)
    expect(erc20ApprovalGasSponsoring().declare!(context([offer('upto')]))).toEqual(declareErc20ApprovalGasSponsoringExtension().erc20ApprovalGasSponsoring)
    expect(eip2612GasSponsoring().declare!(context([offer('exact')]))).toBeUndefined()
    expect(isPermit2Offer(offer('upto', {}, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'))).toBe(false)
  })

  it('read an info the reference validators accept, and an echoed declaration as nothing', async () => {
    expect(validateEip2612GasSponsoringInfo(permitInfo)).toBe(true)
    expect(extractEip2612GasSponsoringInfo({ extensions: { eip2612GasSponsoring: { info: permitInfo } } } as never)).toEqual(permitInfo)
    expect(readSponsoringInfo('eip2612GasSponsoring', { info: permitInfo })).toEqual({ info: permitInfo })
    const echoed = declareEip2612GasSponsoringExtension().eip2612GasSponsoring!
    expect(readSponsoringInfo('eip2612GasSponsoring', echoed)).toBeUndefined()
    expect(await eip2612GasSponsoring().readPayment!(echoed, payment)).toBeUndefined()
    // The declaration's own fields may stay beside the payer's (the reference client merges them so).
    expect(readSponsoringInfo('eip2612GasSponsoring', { ...echoed, info: { ...echoed.info, ...permitInfo } })).toMatchObject({ info: permitInfo })
  })

  it('refuse a malformed info with invalid_extension (400) naming the field, as the reference validator does', async () => {
    const bad = { ...permitInfo, deadline: 'soon' }
    expect(validateEip2612GasSponsoringInfo(bad)).toBe(false)
    const refused = Promise.resolve().then(() => eip2612GasSponsoring().readPayment!({ info: bad }, payment))
    await expect(refused).rejects.toMatchObject({ code: 'invalid_extension', status: 400, details: { path: 'extensions["eip2612GasSponsoring"].info.deadline' } })
    const approval = { from: ADDRESS, asset: ADDRESS, spender: ADDRESS, amount: '1', signedTransaction: 'not hex', version: '1' }
    expect(validateErc20ApprovalGasSponsoringInfo(approval as never)).toBe(false)
    await expect(Promise.resolve().then(() => erc20ApprovalGasSponsoring().readPayment!({ info: approval }, payment))).rejects.toMatchObject({
      code: 'invalid_extension',
      details: { path: 'extensions["erc20ApprovalGasSponsoring"].info.signedTransaction' },
    })
    await expect(Promise.resolve().then(() => eip2612GasSponsoring().readPayment!('x', payment))).rejects.toMatchObject({ code: 'invalid_extension' })
  })
})
