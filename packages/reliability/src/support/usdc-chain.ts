// The file's anvil chain (TestUSDC deployed, the buyer funded; started before its tests, stopped after): the
// core's own test helper, so that the set-up lives once.
export { useUsdcChain } from '../../../x402/src/test-support/usdc-chain.js'
