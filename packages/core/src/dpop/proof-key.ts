/**
 * The protected header of a DPoP proof (RFC 9449 §4.2, §4.3 items 4–7): `typ` is `dpop+jwt`, `alg` is
 * on the allow-list, there is no `crit`, and the `jwk` is a public key fitting `alg`, imported into a
 * node:crypto KeyObject and named by its RFC 7638 thumbprint, which the token's `cnf.jkt` must equal
 * (§6.1). A `jwk` with private members is refused (§4.3 item 7), as are keys of the wrong type or
 * curve, RSA moduli under 2048 bits, and keys whose verification would cost out of proportion (RSA
 * over 8192 bits or with an exponent over 32 bits).
 *
 * A client signs its proofs with one key and, in practice, one header text; what a header text was
 * found to be is kept in a bounded map (1,024 headers of at most 4 KB) keyed by that text, so a repeat costs one lookup: no
 * decoding, parsing, checking, importing or hashing. Only accepted headers are kept. Import is
 * synchronous (node:crypto), so a proof check never waits; jose's importJWK and calculateJwkThumbprint
 * are asynchronous and serve as the independent reference in the tests instead.
 */
import { createPublicKey, hash, type KeyObject } from "node:crypto";
import { InvalidDPoPProofError, type InvalidDPoPProofReason } from "../errors/bearer-error.js";
import { ALGORITHMS, type AlgorithmSpec, MIN_RSA_MODULUS_BITS } from "../options/algorithms.js";
import { normaliseTyp } from "../options/resolve-options.js";
import { decodeSegment, parseJsonObject } from "./read-proof.js";

/** What an accepted proof header says: its algorithm and its key with the key's thumbprint. */
export interface ProofHeader {
  readonly alg: string;
  readonly spec: AlgorithmSpec;
  readonly key: KeyObject;
  /** base64url(SHA-256(canonical JWK)), RFC 7638: what `cnf.jkt` holds. */
  readonly jkt: string;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
const MAX_RSA_MODULUS_BITS = 8192;
// An exponent of at most 32 bits is at most 4 bytes, at most 6 base64url characters.
const MAX_RSA_EXPONENT_CHARS = 6;
// Generous bound on one base64url member: an 8192-bit modulus is 1366 characters.
const MAX_MEMBER_CHARS = 1400;
// A header with such a key fits in 2 KB of base64url; the bound keeps the cache's memory small too.
const MAX_HEADER_CHARS = 4096;

function refuse(reason: InvalidDPoPProofReason = "jwk"): never {
  throw new InvalidDPoPProofError(reason, undefined);
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
function checkDeclared(jwk: unknown, alg: string, spec: AlgorithmSpec): Record<string, unknown> {
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) refuse();
  const record = jwk as Record<string, unknown>;
  if (record.kty !== spec.kty) refuse();
  for (const name of PRIVATE_MEMBERS) if (Object.hasOwn(record, name)) refuse();
  if (spec.curves !== undefined && !spec.curves.includes(record.crv as string)) refuse();
  if (record.alg !== undefined && record.alg !== alg) refuse();
  if (record.use !== undefined && record.use !== "sig") refuse();
  if (record.key_ops !== undefined && (!Array.isArray(record.key_ops) || !record.key_ops.includes("verify")))
    refuse();
  return record;
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

/** Reads a header text never met before; throws 401 `invalid_dpop_proof` with the first check it fails. */
function readHeader(segment: string, algorithms: ReadonlySet<string>): ProofHeader {
  if (segment.length > MAX_HEADER_CHARS) refuse("too_large");
  const header = parseJsonObject(decodeSegment(segment, 0, segment.length));
  const { typ, alg } = header;
  if (typeof alg !== "string") refuse("malformed");
  if (typeof typ !== "string" || normaliseTyp(typ) !== "dpop+jwt") refuse("typ");
  if (!algorithms.has(alg)) refuse("algorithm");
  if (header.crit !== undefined) refuse("critical_header");
  const spec = ALGORITHMS[alg] as AlgorithmSpec;
  const canonical = canonicalJwk(checkDeclared(header.jwk, alg, spec), spec);
  return { alg, spec, key: importKey(canonical, spec), jkt: hash("sha256", canonical, "base64url") };
}

/** Accepted proof headers of one verifier, the most recent ones kept. */
export class ProofHeaderCache {
  readonly #headers = new Map<string, ProofHeader>();
  readonly #algorithms: ReadonlySet<string>;
  readonly #maxEntries: number;

  constructor(algorithms: ReadonlySet<string>, maxEntries = 1024) {
    this.#algorithms = algorithms;
    this.#maxEntries = maxEntries;
  }

  /** What the header segment `segment` says, or a 401 `invalid_dpop_proof` naming what is wrong. */
  headerOf(segment: string): ProofHeader {
    const known = this.#headers.get(segment);
    if (known !== undefined) return known;
    const header = readHeader(segment, this.#algorithms);
    if (this.#headers.size >= this.#maxEntries) {
      this.#headers.delete(this.#headers.keys().next().value as string);
    }
    this.#headers.set(segment, header);
    return header;
  }
}
