/**
 * The JWS algorithms this library verifies (RFC 7518 §3, RFC 8037, RFC 9864) and what each needs of a
 * key. One table, read by option validation, key import and signature verification alike, so that
 * "which key fits which algorithm" is decided in one place.
 */
import { constants } from "node:crypto";
import type { JwsAlgorithm } from "../types.js";

export type KeyFamily = "RSA" | "EC" | "OKP" | "oct";

export interface AlgorithmSpec {
  /** JWK `kty` a key must have. */
  kty: KeyFamily;
  /** node:crypto digest name; null for EdDSA (the digest is part of the scheme). */
  hash: "sha256" | "sha384" | "sha512" | null;
  /** EC / OKP curves the key may be on. */
  curves?: readonly string[];
  /** RSA padding for node:crypto. */
  padding?: number;
  /** Exact signature length in bytes where the algorithm fixes it (ECDSA in IEEE P1363 form). */
  signatureLength?: number;
}

const PKCS1 = constants.RSA_PKCS1_PADDING;
const PSS = constants.RSA_PKCS1_PSS_PADDING;

// `satisfies` keeps this table and the public JwsAlgorithm union identical: a name missing on either
// side fails to compile.
const TABLE = {
  RS256: { kty: "RSA", hash: "sha256", padding: PKCS1 },
  RS384: { kty: "RSA", hash: "sha384", padding: PKCS1 },
  RS512: { kty: "RSA", hash: "sha512", padding: PKCS1 },
  PS256: { kty: "RSA", hash: "sha256", padding: PSS },
  PS384: { kty: "RSA", hash: "sha384", padding: PSS },
  PS512: { kty: "RSA", hash: "sha512", padding: PSS },
  ES256: { kty: "EC", hash: "sha256", curves: ["P-256"], signatureLength: 64 },
  ES384: { kty: "EC", hash: "sha384", curves: ["P-384"], signatureLength: 96 },
  ES512: { kty: "EC", hash: "sha512", curves: ["P-521"], signatureLength: 132 },
  EdDSA: { kty: "OKP", hash: null, curves: ["Ed25519", "Ed448"] },
  Ed25519: { kty: "OKP", hash: null, curves: ["Ed25519"], signatureLength: 64 },
  HS256: { kty: "oct", hash: "sha256" },
  HS384: { kty: "oct", hash: "sha384" },
  HS512: { kty: "oct", hash: "sha512" },
} satisfies Record<JwsAlgorithm, AlgorithmSpec>;

export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = Object.freeze(TABLE);

/** The default allow-list: every asymmetric algorithm above. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze(
  Object.keys(ALGORITHMS).filter((alg) => ALGORITHMS[alg]?.kty !== "oct"),
);

/** The HMAC algorithms, only ever accepted for an issuer configured with a shared secret. */
export const SYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze(["HS256", "HS384", "HS512"]);

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export const HMAC_MIN_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/** RFC 7518 §3.3 / §3.5: RSA keys of fewer than 2048 bits are refused. */
export const MIN_RSA_MODULUS_BITS = 2048;

/**
 * RSA moduli above this many bits are refused unless `maxRsaModulusBits` raises it: verification cost
 * grows with the modulus, and every forged token naming such a key would pay it. 16384 is the most
 * that can be configured.
 */
export const DEFAULT_MAX_RSA_MODULUS_BITS = 8192;
export const MAX_RSA_MODULUS_BITS_LIMIT = 16384;
