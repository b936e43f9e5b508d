// The reference vectors are the core's (packages/x402/test/vectors), read by its own test helper.
export { readVector } from '../../../x402/src/test-support/vectors.js'
