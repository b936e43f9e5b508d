// A beforeAll whose failure fails every test of the file, with its reason. (vitest marks the tests "skipped" when a
// beforeAll throws; a missing redis-server must not look like a skip.)
import { beforeAll, beforeEach } from 'vitest'

export function setupOnce(setup: () => Promise<void>): void {
  let failure: unknown
  beforeAll(async () => {
    try {
      await setup()
    } catch (error) {
      failure = error
    }
  })
  beforeEach(() => {
    if (failure !== undefined) throw failure
  })
}
