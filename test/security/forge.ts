/**
 * Token forgery for the security suite. The test IdP's `sign()` only makes well-formed tokens through
 * jose, which refuses to build most attacks (duplicate members, non-object payloads, `alg: none`, HMAC
 * keyed with a public key). These helpers build compact JWS byte by byte with node:crypto so every
 * attack reaches the verifier exactly as an attacker would send it.
 */
import { createHmac, createPublicKey, KeyObject, constants as rsa, sign, type webcrypto } from "node:crypto";
import type { TestIdp, TestKey } from "../support/idp.js";

/** The audience every security test verifier is configured with. */
export const AUDIENCE = "https://orders.api.test";

/** base64url without padding (RFC 7515 §2). */
export function b64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString("base64url");
}

/** base64url of the UTF-8 JSON text of `value`. */
export function encodeJson(value: unknown): string {
  return b64url(JSON.stringify(value));
}

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

function hashOf(alg: string): string {
  const hash = HASH[alg.slice(-3)];
  if (!hash) throw new Error(`forge: no hash for ${alg}`);
  return hash;
}

/** Signs `input` (the JWS signing input) as `alg` with an asymmetric private key. */
export function signBytes(alg: string, privateKey: webcrypto.CryptoKey | KeyObject, input: string): string {
  const key = privateKey instanceof KeyObject ? privateKey : KeyObject.from(privateKey);
  const data = Buffer.from(input, "ascii");
  if (alg === "EdDSA") return b64url(sign(null, data, key));
  if (alg.startsWith("ES")) return b64url(sign(hashOf(alg), data, { key, dsaEncoding: "ieee-p1363" }));
  if (alg.startsWith("PS")) {
    return b64url(
      sign(hashOf(alg), data, {
        key,
        padding: rsa.RSA_PKCS1_PSS_PADDING,
        saltLength: rsa.RSA_PSS_SALTLEN_DIGEST,
      }),
    );
  }
  return b64url(sign(hashOf(alg), data, key));
}

/** HMAC of `input` with `secret`, as HS256/384/512 would compute it. */
export function hmacBytes(alg: string, secret: string | Uint8Array, input: string): string {
  return b64url(createHmac(hashOf(alg), secret).update(input, "ascii").digest());
}

/**
 * A compact JWS over raw header and payload *texts* (not objects), so duplicate members, odd
 * whitespace, non-object JSON and invalid UTF-8 survive. Signed with `key` as `alg` (default the
 * key's own algorithm).
 */
export function signRaw(
  headerText: string | Uint8Array,
  payloadText: string | Uint8Array,
  key: Pick<TestKey, "alg" | "privateKey">,
  alg: string = key.alg,
): string {
  const input = `${b64url(headerText)}.${b64url(payloadText)}`;
  return `${input}.${signBytes(alg, key.privateKey, input)}`;
}

/** A compact JWS over header and payload objects, signed with `key` as `alg`. */
export function signObjects(
  header: Record<string, unknown>,
  payload: unknown,
  key: Pick<TestKey, "alg" | "privateKey">,
  alg: string = key.alg,
): string {
  return signRaw(JSON.stringify(header), JSON.stringify(payload), key, alg);
}

/** Claims a verifier configured for `idp` and AUDIENCE accepts, plus `extra`. */
export function goodClaims(idp: TestIdp, extra: Record<string, unknown> = {}, nowMs = Date.now()) {
  const now = Math.floor(nowMs / 1000);
  return {
    iss: idp.issuer,
    aud: AUDIENCE,
    sub: "user-1",
    iat: now,
    exp: now + 300,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    scope: "orders:read",
    ...extra,
  };
}

/** The standard header the IdP would use for `key`. */
export function goodHeader(key: TestKey, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: key.alg, kid: key.kid, typ: "JWT", ...extra };
}

/** The public key of `key` as SPKI PEM text: what an attacker downloads from the JWKS. */
export function publicPem(key: TestKey): string {
  return createPublicKey({ key: key.publicJwk as never, format: "jwk" })
    .export({ type: "spki", format: "pem" })
    .toString();
}

/** Splits a compact JWS into its three segments. */
export function segments(token: string): [string, string, string] {
  const [h = "", p = "", s = ""] = token.split(".");
  return [h, p, s];
}
