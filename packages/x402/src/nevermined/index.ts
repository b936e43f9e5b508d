// @tollgate/x402/nevermined: Nevermined's facilitator API and plan payments.
export {}
