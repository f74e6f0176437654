/**
 * importVerificationKey(): turns one JWK of a key set into a node:crypto KeyObject, once per key, so
 * that verification never parses key material on the hot path. jose does the JWK parsing and
 * validation; the result is converted to a KeyObject for synchronous node:crypto verification.
 *
 * Keys that cannot serve for signature verification are skipped, not fatal (RFC 7517 §5: ignore
 * what you cannot use): encryption keys (`use: "enc"`, Keycloak publishes one), keys whose `key_ops`
 * exclude "verify", symmetric keys, unknown types or curves, RSA keys under 2048 bits, and keys that
 * fail to import.
 */
import { KeyObject } from "node:crypto";
import { importJWK, type JWK } from "jose";
import { ALGORITHMS, type KeyFamily, MIN_RSA_MODULUS_BITS } from "../options/algorithms.js";

export interface KeyRecord {
  readonly kid: string | undefined;
  readonly kty: KeyFamily;
  /** The JWK's own `alg`, when it states one: then only that algorithm may use the key. */
  readonly alg: string | undefined;
  readonly crv: string | undefined;
  readonly key: KeyObject;
  /** Identifies the key material, to keep a record (and the tokens it verified) across refreshes. */
  readonly fingerprint: string;
  /** Set once the key has left its key set: cached tokens it verified are no longer served. */
  retired: boolean;
}

const CURVES: Record<string, string> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
  Ed25519: "EdDSA",
  Ed448: "EdDSA",
};

/** Which algorithm to hand jose for the import when the JWK states none (Entra's keys have no `alg`). */
function importAlgorithm(jwk: JWK): string | undefined {
  if (jwk.alg !== undefined) return jwk.alg;
  if (jwk.kty === "RSA") return "RS256";
  return jwk.crv === undefined ? undefined : CURVES[jwk.crv];
}

function fingerprintOf(jwk: JWK): string {
  return [jwk.kty, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y, jwk.alg, jwk.kid].join("|");
}

/** Returns a KeyRecord for `jwk`, or undefined when the key is not usable for verification. */
export async function importVerificationKey(value: unknown): Promise<KeyRecord | undefined> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const jwk = value as JWK;
  if (jwk.kty !== "RSA" && jwk.kty !== "EC" && jwk.kty !== "OKP") return undefined;
  if (jwk.use !== undefined && jwk.use !== "sig") return undefined;
  if (jwk.key_ops !== undefined && (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes("verify")))
    return undefined;
  if (jwk.kid !== undefined && typeof jwk.kid !== "string") return undefined;
  if (jwk.alg !== undefined) {
    const spec = typeof jwk.alg === "string" ? ALGORITHMS[jwk.alg] : undefined;
    if (!spec || spec.kty !== jwk.kty) return undefined;
    if (spec.curves && !spec.curves.includes(jwk.crv ?? "")) return undefined;
  } else if (jwk.kty !== "RSA" && (typeof jwk.crv !== "string" || !CURVES[jwk.crv])) {
    return undefined;
  }
  const alg = importAlgorithm(jwk);
  if (alg === undefined) return undefined;
  let key: KeyObject;
  try {
    // Only the public members go to the importer; a stray private `d` is never read.
    const { kty, n, e, crv, x, y } = jwk;
    const imported = await importJWK({ kty, n, e, crv, x, y }, alg === "Ed25519" ? "EdDSA" : alg);
    if (imported instanceof Uint8Array) return undefined;
    key = KeyObject.from(imported);
  } catch {
    return undefined;
  }
  if (key.type !== "public") return undefined;
  if (jwk.kty === "RSA" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS)
    return undefined;
  return {
    kid: jwk.kid,
    kty: jwk.kty as KeyFamily,
    alg: jwk.alg,
    crv: jwk.crv,
    key,
    fingerprint: fingerprintOf(jwk),
    retired: false,
  };
}
