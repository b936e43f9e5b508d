// How big a run is: RELIABILITY_FULL=1 (`npm run test:reliability`) runs the full size from issue 6;
// otherwise a size that keeps the package under a minute on a small CI machine.
export const FULL = process.env.RELIABILITY_FULL === '1'

/** Paid requests through the real server in the fault-injection run. */
export const REQUESTS = Number(process.env.RELIABILITY_REQUESTS ?? (FULL ? 10_000 : 1_000))

/** fast-check runs per property. */
export const FUZZ_RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? (FULL ? 100_000 : 2_000))

/** One seed for the random choices of a run; set RELIABILITY_SEED to replay a run exactly. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20_260_402)
