// @tollgate/x402/client: a fetch that answers 402 by paying.
export {}
