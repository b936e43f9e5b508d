// payment-identifier (x402 specs/extensions/payment_identifier.md): a route declares that payments may (or must)
// carry an id of their own; the engine binds the id to the payment and keeps the paid answer under it, so that a
// retry with the same id is answered again and never charged twice, and the same id with another payment is refused.
import { TollgateError } from '../../errors.js'
import type { Extension, PaymentReading, PaymentToRead } from '../contract.js'
import { isPaymentId, PAYMENT_ID_SCHEMA, PAYMENT_IDENTIFIER } from './id.js'
import { isRecord } from '../../codec/record.js'

export { isPaymentId, newPaymentId, PAYMENT_ID_SCHEMA, PAYMENT_IDENTIFIER } from './id.js'

export interface PaymentIdentifierOptions {
  /** Payments without an id are refused (400, `payment_id_required`, as the spec writes). Default false: optional. */
  required?: boolean
}

/** The payment-identifier extension for a route's `extensions`: `paymentIdentifier({ required: true })`. */
export function paymentIdentifier(options: PaymentIdentifierOptions = {}): Extension {
  const required = options.required ?? false
  if (typeof required !== 'boolean') {
    throw new TollgateError('invalid_options', 'paymentIdentifier: option "required" is invalid; expected true or false.', { path: 'required', expected: 'true or false' })
  }
  const declaration = { info: { required }, schema: PAYMENT_ID_SCHEMA }
  return {
    key: PAYMENT_IDENTIFIER,
    declare: () => declaration,
    readPayment(value, payment) {
      if (value === undefined) return missing(required)
      const info = isRecord(value) ? value.info : undefined
      if (!isRecord(info)) throw malformed('info', 'an object { required, id? }')
      if (typeof info.required !== 'boolean') throw malformed('info.required', 'true or false, echoed from the 402')
      if (info.id === undefined) return missing(required)
      if (!isPaymentId(info.id)) throw malformed('info.id', "16 to 128 letters, digits, '-' or '_'")
      return bind(info.id, payment)
    },
  }
}

/**
 * Binds the id to this payment (its token hash) for as long as answers are kept: the first payment to name an id
 * owns it, across instances when the Store is shared. The paid answer is then kept under the id. A payment that
 * ends with nothing charged frees the id again (only the request that bound it, and only while it is still its):
 * the id names a purchase, and a purchase that did not happen may be retried with a new payment.
 */
async function bind(id: string, { store, tokenHash, keepMs }: PaymentToRead): Promise<PaymentReading> {
  const key = 'tg:pid:' + id
  const answerKey = 'tg:idem:pid:' + id
  if (await store.add(key, tokenHash, keepMs)) return { answerKey, release: async () => store.deleteIf?.(key, tokenHash) }
  if ((await store.get(key)) !== tokenHash) {
    throw new TollgateError('payment_id_conflict', `The payment id "${id}" already names another payment; nothing was charged. Send a new id with a new payment.`, {
      path: `extensions["${PAYMENT_IDENTIFIER}"].info.id`,
    })
  }
  return { answerKey }
}

function missing(required: boolean): undefined {
  if (!required) return undefined
  throw new TollgateError('payment_id_required', 'This route requires a payment id: send extensions["payment-identifier"].info.id (16 to 128 letters, digits, - or _) with the payment. Nothing was charged.', {
    path: 'extensions["payment-identifier"].info.id',
  })
}

function malformed(field: string, expected: string): TollgateError {
  const path = `extensions["${PAYMENT_IDENTIFIER}"].${field}`
  return new TollgateError('invalid_extension', `The payment's ${path} is invalid; expected ${expected}. Nothing was charged.`, { path, expected })
}

