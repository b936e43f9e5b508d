// The demo's token, as the chain deploys it and as the routes ask for it. Its own module: the servers in other
// processes (next, bun) need it without loading anything that starts a chain.

/** What TestUSDC calls itself in EIP-712 signatures: the same domain as USDC on Base Sepolia. */
export const USDC = Object.freeze({ name: 'USDC', version: '2', decimals: 6 })
