/**
 * Stage 4 of 8: the header checks and the signature. Everything that decides *whether* crypto may run
 * happens first: the algorithm must be on the issuer's allow-list (never taken on the token's word),
 * `crit` must be empty (we implement no extensions, RFC 7515 §4.1.11), and the key must fit the
 * algorithm by `kty`, curve and its own `alg`. Then node:crypto verifies synchronously with a KeyObject
 * imported once per key: no WebCrypto round trip, no per-request key parsing.
 */
import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from "node:crypto";
import { InvalidTokenError } from "../errors/bearer-error.js";
import type { KeyRecord } from "../keys/import-key.js";
import { ALGORITHMS, type AlgorithmSpec } from "../options/algorithms.js";
import { normaliseTyp } from "../options/resolve-options.js";
import type { ResolvedIssuer } from "../options/resolved-options.js";
import type { JWTHeader } from "../types.js";
import type { DecodedToken } from "./decode.js";

/** Checks `alg`, `crit` and (when required) `typ` of a header. Throws 401 `invalid_token`. */
export function checkHeader(header: JWTHeader, issuer: ResolvedIssuer, realm: string | undefined): void {
  if (!issuer.algorithms.has(header.alg)) throw new InvalidTokenError("algorithm", realm);
  if (header.crit !== undefined) throw new InvalidTokenError("critical_header", realm);
  if (
    issuer.typ !== undefined &&
    (typeof header.typ !== "string" || normaliseTyp(header.typ) !== issuer.typ)
  ) {
    throw new InvalidTokenError("typ", realm);
  }
}

function fits(record: KeyRecord, alg: string, spec: AlgorithmSpec): boolean {
  if (record.kty !== spec.kty) return false;
  if (record.alg !== undefined && record.alg !== alg) return false;
  return spec.curves === undefined || spec.curves.includes(record.crv ?? "");
}

function verifyWith(record: KeyRecord, spec: AlgorithmSpec, data: Buffer, signature: Buffer): boolean {
  return verifyJwsSignature(spec, record.key, data, signature);
}

/**
 * One JWS signature check (RFC 7518 §3) with a key already known to fit `spec`; false on any failure.
 * Shared by access tokens and DPoP proofs (RFC 9449 §4.3), so both verify exactly alike.
 */
export function verifyJwsSignature(
  spec: AlgorithmSpec,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    switch (spec.kty) {
      case "RSA":
        // PKCS #1 v1.5 is node:crypto's default padding for RSA keys: the KeyObject alone says it, with
        // no options object to build and read on every verification.
        return verify(
          spec.hash,
          data,
          spec.padding === constants.RSA_PKCS1_PSS_PADDING
            ? { key, padding: spec.padding, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
            : key,
          signature,
        );
      case "EC":
        if (signature.length !== spec.signatureLength) return false;
        return verify(spec.hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
      case "OKP":
        return verify(null, data, key, signature);
      case "oct": {
        const mac = createHmac(spec.hash as string, key)
          .update(data)
          .digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      }
    }
  } catch {
    // Malformed signature bytes make node:crypto throw; that is a failed verification, not a fault.
    return false;
  }
}

/**
 * Verifies the signature of `token` with the first fitting key of `candidates`; returns that key.
 * Throws 401 `invalid_token`: `key_mismatch` when no candidate fits the algorithm, else `signature`.
 */
export function verifySignature(
  token: DecodedToken,
  candidates: readonly KeyRecord[],
  realm: string | undefined,
): KeyRecord {
  const alg = token.header.alg;
  const spec = ALGORITHMS[alg] as AlgorithmSpec;
  const data = Buffer.from(token.signingInput, "latin1");
  let fitting = 0;
  for (const record of candidates) {
    if (!fits(record, alg, spec)) continue;
    fitting++;
    if (verifyWith(record, spec, data, token.signature)) return record;
  }
  if (fitting > 0) throw new InvalidTokenError("signature", realm);
  throw new InvalidTokenError(token.header.kid === undefined ? "unknown_key" : "key_mismatch", realm);
}
