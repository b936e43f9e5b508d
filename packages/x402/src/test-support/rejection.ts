// Test-only: the TollgateError a promise rejects with (fails the test when it resolves or rejects otherwise).
import { expect } from 'vitest'
import { TollgateError } from '../errors.js'

export async function rejection(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TollgateError)
  return error as TollgateError
}
