// The leak check of part (3) must be able to fail: it finds a token, or a 16-character piece of one, in an
// event or a log line, and it really captures console calls and stdout/stderr writes.
import { createTestFacilitator } from '@tollgate/x402/testing'
import { describe, expect, it } from 'vitest'
import { planOption, PLAN_ID } from './support/fault-run.js'
import { findLeaks, stringsOf, watchForTokens } from './support/token-watch.js'

const watch = watchForTokens()
const facilitator = createTestFacilitator({ plans: [{ planId: PLAN_ID, credits: 1 }] })
const token = facilitator.mint({ payer: 'alice', requirements: planOption.requirements })
const tail = token.slice(-40)

describe('findLeaks', () => {
  it('finds a whole token and a 16-character piece of one', () => {
    expect(findLeaks([`proof=${token}`], [token])).toHaveLength(1)
    expect(findLeaks([`... ${tail.slice(0, 16)} ...`], [token])).toEqual([{ text: `... ${tail.slice(0, 16)} ...`, piece: tail.slice(0, 16) }])
  })

  it('ignores pieces shorter than 16 characters and unrelated text', () => {
    expect(findLeaks([`... ${tail.slice(0, 15)} ...`, 'settle.success GET /paid'], [token])).toEqual([])
  })

  it('reads the strings inside events, however deep', () => {
    expect(stringsOf({ type: 'verify.start', nested: [{ reason: tail }], status: 402 })).toEqual(['verify.start', tail])
  })
})

describe('the capture', () => {
  it('keeps console calls and stdout/stderr writes, so a logged token would be found', () => {
    console.error('a handler logged', { proof: tail })
    process.stderr.write(`raw write ${tail.slice(5, 30)}\n`)
    const logged = watch.lines.find((line) => line.startsWith('a handler logged'))
    const written = watch.lines.find((line) => line.startsWith('raw write'))
    expect(logged).toBe(`a handler logged { proof: '${tail}' }`)
    expect(findLeaks([logged!], [token])).toHaveLength(1)
    expect(findLeaks([written!], [token])).toHaveLength(1)
  })
})
