/**
 * What a DPoP client does (RFC 9449 §4.2): hold a key pair, and make a fresh proof JWT for each
 * request, signed by that key, carrying the public key, the method, the URL, a unique `jti`, `iat`
 * and the access token's hash `ath`. The fleet example and tests replay these proofs across instances.
 */
import { createHash, randomUUID } from "node:crypto";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export interface DPoPClient {
  /** RFC 7638 thumbprint of the public key: the token's `cnf.jkt`. */
  readonly jkt: string;
  /** A new proof for one request; `accessToken` (hashed into `ath`) is omitted at the token endpoint. */
  proof(method: string, url: string, accessToken?: string): Promise<string>;
}

export async function createDPoPClient(): Promise<DPoPClient> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk: JWK = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, "sha256");
  const key: CryptoKey = privateKey;
  return {
    jkt,
    proof(method, url, accessToken) {
      const ath =
        accessToken === undefined ? undefined : createHash("sha256").update(accessToken).digest("base64url");
      return new SignJWT({ jti: randomUUID(), htm: method, htu: url, ...(ath ? { ath } : {}) })
        .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
        .setIssuedAt()
        .sign(key);
    },
  };
}
