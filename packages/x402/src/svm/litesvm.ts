// @tollgate/x402/litesvm: a real Solana runtime in process for tests and demos (Node only; needs the `litesvm`
// package): a chain with a token on it, the SvmChain over it, and a Solana JSON-RPC backed by it.
export { createLiteSvmWorld, type LiteSvmWorld, type LiteSvmWorldOptions } from './litesvm-world.js'
export { liteSvmChain } from './litesvm-chain.js'
export { liteSvmRpc, liteSvmRpcMethods, answerRpc, RpcError } from './litesvm-rpc.js'
export { serveLiteSvmRpc, type LiteSvmRpcServer } from './litesvm-rpc-server.js'
