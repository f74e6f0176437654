/**
 * A DPoP client for tests (RFC 9449 §4): a key pair, its RFC 7638 thumbprint, and proofs minted with
 * jose's SignJWT, independently of the code under test. Every claim and header member can be
 * overridden or removed (`undefined`), so the tests can build each malformed proof they need.
 */
import { createHash, type KeyObject, randomUUID, sign } from "node:crypto";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export type ProofAlg = "ES256" | "ES384" | "ES512" | "RS256" | "PS256" | "EdDSA";

export interface ProofOptions {
  /** The request method (`htm`). Default "GET". */
  htm?: string;
  /** The request URL (`htu`). */
  htu: string;
  /** The access token the proof goes with (`ath` is its SHA-256). */
  token?: string;
  /** `iat` in seconds. Default now. */
  iat?: number;
  jti?: string;
  nonce?: string;
  /** Claims to add or override; `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** Protected header members to add or override; `undefined` removes one. */
  header?: Record<string, unknown>;
  /** Sign with this key instead of the client's (the header still names the client's `jwk`). */
  signWith?: CryptoKey;
}

export interface DPoPClient {
  alg: ProofAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** RFC 7638 thumbprint of the public key, computed by jose: what `cnf.jkt` holds. */
  jkt: string;
  proof(options: ProofOptions): Promise<string>;
}

/** base64url(SHA-256(token)), the `ath` claim (RFC 9449 §4.2). */
export function athOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** Makes a DPoP client with a fresh key pair of `alg`. */
export async function createDPoPClient(alg: ProofAlg = "ES256", modulusLength = 2048): Promise<DPoPClient> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength });
  const publicJwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(publicJwk, "sha256");
  return {
    alg,
    privateKey,
    publicJwk,
    jkt,
    async proof(options: ProofOptions): Promise<string> {
      const claims: Record<string, unknown> = {
        jti: options.jti ?? randomUUID(),
        htm: options.htm ?? "GET",
        htu: options.htu,
        iat: options.iat ?? Math.floor(Date.now() / 1000),
        ...(options.token === undefined ? {} : { ath: athOf(options.token) }),
        ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
        ...options.claims,
      };
      for (const name of Object.keys(claims)) if (claims[name] === undefined) delete claims[name];
      const header: Record<string, unknown> = { alg, typ: "dpop+jwt", jwk: publicJwk, ...options.header };
      for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name];
      return new SignJWT(claims)
        .setProtectedHeader(header as { alg: string })
        .sign(options.signWith ?? privateKey);
    },
  };
}

/**
 * Signs any header and claims with node:crypto directly, for proofs jose refuses to mint (an RSA key
 * under 2048 bits, an unknown `crit` member). ES* signatures in IEEE P1363 form, as JWS wants.
 */
export function signRaw(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const alg = String(header.alg);
  const digest = alg === "EdDSA" ? null : `sha${alg.slice(2)}`;
  const signature = sign(digest, Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}
