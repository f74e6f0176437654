/**
 * The JWS algorithms the test kit signs with (RFC 7518 §3, RFC 8037 for EdDSA) and how a key for each
 * is made. Only asymmetric algorithms: a resource server verifies with public keys from a JWKS, so a
 * test issuer that signed with a shared secret would test a setup nobody should deploy.
 */
import { type CryptoKey, exportJWK, generateKeyPair, type JWK } from "jose";

export type TestAlgorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

export const TEST_ALGORITHMS: readonly TestAlgorithm[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

/** A signing key pair; `publicJwk` is what the JWKS publishes (with `kid`, `alg` and `use: "sig"`). */
export interface SigningKey {
  readonly kid: string;
  readonly alg: TestAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: Readonly<JWK>;
}

export function assertAlgorithm(alg: unknown, option: string): asserts alg is TestAlgorithm {
  if (!TEST_ALGORITHMS.includes(alg as TestAlgorithm))
    throw new TypeError(
      `@resource-guard/testing: "${option}" must be one of ${TEST_ALGORITHMS.join(", ")} (got ${JSON.stringify(alg)})`,
    );
}

/** Makes a fresh key pair for `alg`. EdDSA keys are Ed25519, the curve every verifier supports. */
export async function generateSigningKey(alg: TestAlgorithm, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  const publicJwk = Object.freeze({ ...(await exportJWK(publicKey)), kid, alg, use: "sig" });
  return { kid, alg, privateKey, publicJwk };
}
