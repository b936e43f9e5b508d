// What an extension adds to the paying fetch (wrapFetch's `extensions`): a way in without paying (a wallet
// sign-in), a check of the offer before paying (signed offers), a check of the paid answer (signed receipts).
import type { SettleResponse } from '../codec/types.js'
import type { Offer, PaymentDemand } from './types.js'

export interface ClientExtension {
  /** Its key in the wire's `extensions` (`sign-in-with-x`, `offer-receipt`). */
  readonly key: string
  /**
   * Before paying a 402: headers that may let the request in without paying (a wallet sign-in), or undefined.
   * The request is sent once with them; only if that is refused again (402) is the offer paid.
   */
  signIn?(input: { demand: PaymentDemand; request: Request; url: string }): Promise<Record<string, string> | undefined>
  /** Before paying the chosen offer: throws (a TollgateError) to refuse paying it. */
  checkOffer?(input: { demand: PaymentDemand; offer: Offer }): Promise<void>
  /** After paying: throws (a TollgateError) to refuse what came back (a receipt whose signature does not hold). */
  checkPaid?(input: { demand: PaymentDemand; offer: Offer; response: Response; receipt: SettleResponse | undefined }): Promise<void>
}
