/**
 * RSA keys as vendors publish them. Every emulator signs with jose using these keys and builds its
 * JWKS entries from them, choosing which JWK members to publish (`alg` or not, `x5c`, `use`), because
 * the differences between vendors' key sets are exactly what a verifier trips over.
 */
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { type JWK, SignJWT } from "jose";
import { type Certificate, selfSignedCertificate } from "./certificate.js";

export interface VendorKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  certificate: Certificate;
  /** `kty`, `n`, `e` only; emulators add the members their vendor publishes. */
  baseJwk: JWK;
}

/** A fresh RSA-2048 key; `kid` defaults to 32 random bytes in base64url (Keycloak, Okta and Auth0 style). */
export function createVendorKey(kid = randomBytes(32).toString("base64url"), cn = "emulator"): VendorKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  return {
    kid,
    privateKey,
    publicKey,
    certificate: selfSignedCertificate(cn, publicKey, privateKey),
    baseJwk: { kty: "RSA", n: jwk.n, e: jwk.e },
  };
}

/** Signs `payload` with `key` under exactly `header` (plus `alg`), as the vendor does. */
export async function signWith(
  key: { privateKey: KeyObject | Uint8Array },
  payload: Record<string, unknown>,
  header: Record<string, unknown>,
  alg = "RS256",
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, ...header }).sign(key.privateKey);
}

/** Seconds since the epoch. */
export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
