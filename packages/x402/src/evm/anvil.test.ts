// startAnvil on a machine without the binary says where anvil comes from, not `spawn anvil ENOENT`.
import { afterEach, describe, expect, it } from 'vitest'
import { startAnvil } from './anvil.js'

describe('startAnvil without an anvil binary', () => {
  const saved = process.env.ANVIL_BIN
  afterEach(() => {
    if (saved === undefined) delete process.env.ANVIL_BIN
    else process.env.ANVIL_BIN = saved
  })

  it('names the missing binary and how to get it', async () => {
    process.env.ANVIL_BIN = '/nonexistent/anvil'
    await expect(startAnvil({ startTimeoutMs: 2_000 })).rejects.toThrow(/no anvil binary at "\/nonexistent\/anvil".*npm install.*ANVIL_BIN/)
  })
})
