/**
 * The public key of a DPoP proof: the `jwk` of its protected header (RFC 9449 §4.2), checked, imported
 * into a node:crypto KeyObject, and named by its RFC 7638 thumbprint, which must equal the token's
 * `cnf.jkt` (§6.1). A proof whose `jwk` holds private members is refused (§4.3 item 7), as are keys
 * that do not fit the proof's `alg` by type or curve, RSA moduli under 2048 bits, and keys whose
 * verification would cost out of proportion (RSA over 8192 bits or with an exponent over 32 bits).
 *
 * A client signs many proofs with one key, so imported keys are kept in a small bounded map keyed by
 * the thumbprint input (the canonical JSON of the required members): a repeat costs one string build
 * and a lookup, with no parsing and no hashing. Import is synchronous (node:crypto), so a proof check
 * never waits; jose's importJWK and calculateJwkThumbprint are asynchronous and serve as the
 * independent reference in the tests instead.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { InvalidDPoPProofError } from "../errors/bearer-error.js";
import type { AlgorithmSpec } from "../options/algorithms.js";
import { MIN_RSA_MODULUS_BITS } from "../options/algorithms.js";

/** An imported proof key and its RFC 7638 thumbprint. */
export interface ProofKey {
  readonly key: KeyObject;
  /** base64url(SHA-256(canonical JWK)): what `cnf.jkt` holds. */
  readonly jkt: string;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
const MAX_RSA_MODULUS_BITS = 8192;
// An exponent of at most 32 bits is at most 4 bytes, at most 6 base64url characters.
const MAX_RSA_EXPONENT_CHARS = 6;
// Generous bound on one base64url member: an 8192-bit modulus is 1366 characters.
const MAX_MEMBER_CHARS = 1400;

function refuse(): never {
  throw new InvalidDPoPProofError("jwk", undefined);
}

function member(jwk: Record<string, unknown>, name: string): string {
  const value = jwk[name];
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_MEMBER_CHARS) refuse();
  return value;
}

/**
 * RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. The values are
 * JSON-encoded, so a quote or backslash in one cannot change the structure.
 */
function canonicalJwk(jwk: Record<string, unknown>, spec: AlgorithmSpec): string {
  switch (spec.kty) {
    case "RSA": {
      const e = member(jwk, "e");
      if (e.length > MAX_RSA_EXPONENT_CHARS) refuse();
      return `{"e":${JSON.stringify(e)},"kty":"RSA","n":${JSON.stringify(member(jwk, "n"))}}`;
    }
    case "EC":
      return `{"crv":${JSON.stringify(member(jwk, "crv"))},"kty":"EC","x":${JSON.stringify(member(jwk, "x"))},"y":${JSON.stringify(member(jwk, "y"))}}`;
    case "OKP":
      return `{"crv":${JSON.stringify(member(jwk, "crv"))},"kty":"OKP","x":${JSON.stringify(member(jwk, "x"))}}`;
    default:
      return refuse();
  }
}

/** Checks what the header `jwk` says about itself against the proof's algorithm. */
function checkDeclared(jwk: Record<string, unknown>, alg: string, spec: AlgorithmSpec): void {
  if (jwk.kty !== spec.kty) refuse();
  for (const name of PRIVATE_MEMBERS) if (Object.hasOwn(jwk, name)) refuse();
  if (spec.curves !== undefined && !spec.curves.includes(jwk.crv as string)) refuse();
  if (jwk.alg !== undefined && jwk.alg !== alg) refuse();
  if (jwk.use !== undefined && jwk.use !== "sig") refuse();
  if (jwk.key_ops !== undefined && (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes("verify"))) refuse();
}

function importKey(canonical: string, spec: AlgorithmSpec): KeyObject {
  let key: KeyObject;
  try {
    // node:crypto validates the members (an EC point must lie on its curve) and builds the key.
    key = createPublicKey({ key: JSON.parse(canonical), format: "jwk" });
  } catch {
    return refuse();
  }
  if (key.type !== "public") refuse();
  if (spec.kty === "RSA") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) refuse();
  }
  return key;
}

/** Imports proof keys, remembering the most recent ones. */
export class ProofKeyCache {
  readonly #keys = new Map<string, ProofKey>();
  readonly #maxEntries: number;

  constructor(maxEntries = 1024) {
    this.#maxEntries = maxEntries;
  }

  /**
   * The key of a proof header's `jwk` for `alg`, or a 401 `invalid_dpop_proof` ("jwk") when the JWK
   * is missing, private, of the wrong type or curve, too weak, too costly, or does not import.
   */
  keyOf(jwk: unknown, alg: string, spec: AlgorithmSpec): ProofKey {
    if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) refuse();
    const record = jwk as Record<string, unknown>;
    checkDeclared(record, alg, spec);
    const canonical = canonicalJwk(record, spec);
    const known = this.#keys.get(canonical);
    if (known !== undefined) return known;
    const imported: ProofKey = {
      key: importKey(canonical, spec),
      jkt: createHash("sha256").update(canonical).digest("base64url"),
    };
    if (this.#keys.size >= this.#maxEntries) {
      const oldest = this.#keys.keys().next().value as string;
      this.#keys.delete(oldest);
    }
    this.#keys.set(canonical, imported);
    return imported;
  }
}
