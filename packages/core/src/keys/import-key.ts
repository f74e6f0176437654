/**
 * importVerificationKey(): turns one JWK of a key set into a node:crypto KeyObject, once per key, so
 * that verification never parses key material on the hot path. jose does the JWK parsing and
 * validation; the result is converted to a KeyObject for synchronous node:crypto verification.
 *
 * Keys that cannot serve for signature verification are skipped, not fatal (RFC 7517 §5: ignore
 * what you cannot use): encryption keys (`use: "enc"`, Keycloak publishes one), keys whose `key_ops`
 * exclude "verify", symmetric keys, unknown types or curves, and keys that fail to import.
 *
 * Keys that could be used but must not be are *refused* and reported (KeyRefusal), so an operator
 * hears of them: RSA keys under 2048 bits (RFC 7518 §3.3), over `maxRsaModulusBits` (verification cost
 * grows with the modulus, and forged tokens naming the key would each pay it), with an even modulus,
 * or with a public exponent that is not odd, at least 3 and below 2^32 (RFC 8017 §3.1; e = 1 makes
 * every "signature" equal to its own padded digest, so anyone could forge tokens).
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

/** Limits on the keys a key set may hold. */
export interface KeyLimits {
  readonly maxRsaModulusBits: number;
}

/** A key that could be used but is not safe to: reported through `onKeyError`, never imported. */
export class KeyRefusal {
  constructor(
    /** `key_rsa_exponent`, `key_rsa_modulus_too_large`, `key_rsa_modulus_too_small`, `key_rsa_modulus_even`. */
    readonly reason: string,
    readonly detail: string,
    readonly kid: string | undefined,
    readonly fingerprint: string,
  ) {}
}

const CURVES: Record<string, string> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
  Ed25519: "EdDSA",
  Ed448: "EdDSA",
};

const TWO_TO_THE_32 = 2n ** 32n;

/** Which algorithm to hand jose for the import when the JWK states none (Entra's keys have no `alg`). */
function importAlgorithm(jwk: JWK): string | undefined {
  if (jwk.alg !== undefined) return jwk.alg;
  if (jwk.kty === "RSA") return "RS256";
  return jwk.crv === undefined ? undefined : CURVES[jwk.crv];
}

/** The fingerprint of a JWK's identity and public material (computed before any import). */
export function fingerprintOf(jwk: JWK): string {
  const ops = Array.isArray(jwk.key_ops) ? jwk.key_ops.join(",") : jwk.key_ops;
  return [jwk.kty, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y, jwk.alg, jwk.kid, jwk.use, ops].join("|");
}

/** RFC 8017 §3.1 and the size bounds; returns the refusal, or undefined when the key may be used. */
function checkRsa(jwk: JWK, key: KeyObject, limits: KeyLimits, fingerprint: string): KeyRefusal | undefined {
  const kid = jwk.kid;
  const name = kid === undefined ? "an RSA key without kid" : `RSA key "${kid}"`;
  const details = key.asymmetricKeyDetails;
  const bits = details?.modulusLength ?? 0;
  const e = details?.publicExponent ?? 0n;
  if (bits < MIN_RSA_MODULUS_BITS)
    return new KeyRefusal(
      "key_rsa_modulus_too_small",
      `${name} has a ${bits}-bit modulus (at least ${MIN_RSA_MODULUS_BITS})`,
      kid,
      fingerprint,
    );
  if (bits > limits.maxRsaModulusBits)
    return new KeyRefusal(
      "key_rsa_modulus_too_large",
      `${name} has a ${bits}-bit modulus, over maxRsaModulusBits (${limits.maxRsaModulusBits})`,
      kid,
      fingerprint,
    );
  if (e < 3n || e % 2n === 0n || e >= TWO_TO_THE_32)
    return new KeyRefusal(
      "key_rsa_exponent",
      `${name} has a public exponent that is not odd, at least 3 and below 2^32`,
      kid,
      fingerprint,
    );
  const n = Buffer.from(jwk.n as string, "base64url");
  if (n.length === 0 || ((n[n.length - 1] as number) & 1) === 0)
    return new KeyRefusal("key_rsa_modulus_even", `${name} has an even modulus`, kid, fingerprint);
  return undefined;
}

/**
 * Returns a KeyRecord for `value`, a KeyRefusal for a key that must not be used, or undefined when
 * the entry is simply not a signature verification key we can use.
 */
export async function importVerificationKey(
  value: unknown,
  limits: KeyLimits,
): Promise<KeyRecord | KeyRefusal | undefined> {
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
  const fingerprint = fingerprintOf(jwk);
  // Refuse an absurd modulus before parsing it: 4 base64url characters carry 3 bytes.
  if (jwk.kty === "RSA" && typeof jwk.n === "string" && jwk.n.length * 6 > limits.maxRsaModulusBits + 64) {
    return new KeyRefusal(
      "key_rsa_modulus_too_large",
      `RSA key "${jwk.kid ?? ""}" has a modulus over maxRsaModulusBits (${limits.maxRsaModulusBits})`,
      jwk.kid,
      fingerprint,
    );
  }
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
  if (jwk.kty === "RSA") {
    const refusal = checkRsa(jwk, key, limits, fingerprint);
    if (refusal) return refusal;
  }
  return {
    kid: jwk.kid,
    kty: jwk.kty as KeyFamily,
    alg: jwk.alg,
    crv: jwk.crv,
    key,
    fingerprint,
    retired: false,
  };
}
