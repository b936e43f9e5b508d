// @tollgate/x402/testing: the test kit.
export {}
