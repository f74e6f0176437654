/**
 * @resource-guard/testing: a local OAuth 2.0 issuer for the tests of an API protected by
 * resource-guard (or any resource server). `createTestIssuer()` serves discovery and a JWKS on
 * 127.0.0.1; `createTestKeys()` is the same without a server; both mint good and bad tokens. DPoP key
 * pairs and proofs, opaque tokens with introspection. No test-runner globals: vitest, jest, node:test.
 */
export { TEST_ALGORITHMS, type TestAlgorithm } from "./algorithms.js";
export { type DPoPKey, type DPoPProofOptions, dpopKeyPair, dpopProof } from "./dpop.js";
export type { OpaqueOptions } from "./introspection.js";
export type { RequestCounts } from "./issuer-routes.js";
export type { RotateOptions } from "./key-ring.js";
export type { Claims, SignOptions, TokenMinter } from "./mint.js";
export type { TestKeysOptions } from "./options.js";
export { createTestIssuer, type TestIssuer, type TestIssuerOptions } from "./test-issuer.js";
export { createTestKeys, type StaticTestKeysOptions, type TestKeys } from "./test-keys.js";
