/**
 * DPoP for tests (RFC 9449): a client key pair with its RFC 7638 thumbprint (`jkt`, which the issuer
 * puts in the token's `cnf.jkt`, §6.1), and proofs shaped as §4.2 says: header `typ: dpop+jwt`, the
 * `alg` and the public `jwk`; claims `jti`, `htm`, `htu` (the URL without query and fragment, §4.2),
 * `iat`, and `ath` (base64url SHA-256 of the access token, §4.2) and `nonce` when given. Every member
 * can be overridden, so a test can also make the bad proofs a resource server must refuse.
 */
import { createHash, randomUUID } from "node:crypto";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { assertAlgorithm, type TestAlgorithm } from "./algorithms.js";

export interface DPoPProofOptions {
  /** The HTTP method of the request (`htm`). */
  htm: string;
  /** The request URL (`htu`); its query and fragment are dropped, as RFC 9449 §4.2 says. */
  htu: string;
  /** The access token the proof accompanies; sets `ath`. */
  accessToken?: string;
  /** A server-provided nonce (RFC 9449 §8). */
  nonce?: string;
  /** `iat`, in seconds since the epoch. Default: now. */
  iat?: number;
  /** `jti`. Default: a fresh UUID. */
  jti?: string;
  /** More claims, or replacements (`{ htm: "PUT" }`, `{ ath: undefined }`). */
  claims?: Record<string, unknown>;
  /** More protected header members, or replacements (`{ typ: "jwt" }`). */
  header?: Record<string, unknown>;
}

export interface DPoPKey {
  readonly alg: TestAlgorithm;
  readonly privateKey: CryptoKey;
  /** The public key as it goes into the proof header (`kty` and the key members only). */
  readonly publicJwk: Readonly<JWK>;
  /** The RFC 7638 SHA-256 thumbprint: put it in the token as `cnf: { jkt }`. */
  readonly jkt: string;
  /** A proof signed by this key. */
  proof(options: DPoPProofOptions): Promise<string>;
}

function withoutQueryAndFragment(url: string): string {
  const parsed = new URL(url);
  parsed.search = "";
  parsed.hash = "";
  return parsed.href;
}

/**
 * A DPoP proof JWT for one request.
 * @example
 * const key = await dpopKeyPair();
 * const token = await idp.sign({ cnf: { jkt: key.jkt } });
 * const proof = await dpopProof(key, { htm: "GET", htu: `${url}/orders`, accessToken: token });
 * // Authorization: DPoP <token>, DPoP: <proof>
 */
export async function dpopProof(key: DPoPKey, options: DPoPProofOptions): Promise<string> {
  if (options === null || typeof options !== "object" || typeof options.htm !== "string")
    throw new TypeError(
      '@resource-guard/testing: dpopProof() needs { htm, htu }, e.g. { htm: "GET", htu: url }',
    );
  if (typeof options.htu !== "string" || !URL.canParse(options.htu))
    throw new TypeError('@resource-guard/testing: "htu" must be the absolute URL of the request');
  const payload: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.htm,
    htu: withoutQueryAndFragment(options.htu),
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  if (options.accessToken !== undefined)
    payload.ath = createHash("sha256").update(options.accessToken).digest("base64url");
  if (options.nonce !== undefined) payload.nonce = options.nonce;
  Object.assign(payload, options.claims);
  const header = { typ: "dpop+jwt", alg: key.alg, jwk: { ...key.publicJwk }, ...options.header };
  // SignJWT serialises the payload as given; members set to undefined are dropped by JSON.
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

/**
 * A client key pair for DPoP. Default `ES256`, the algorithm most servers accept.
 * @example
 * const key = await dpopKeyPair({ alg: "EdDSA" });
 */
export async function dpopKeyPair(options: { alg?: TestAlgorithm } = {}): Promise<DPoPKey> {
  const alg = options.alg ?? "ES256";
  assertAlgorithm(alg, "alg");
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  const publicJwk = Object.freeze(await exportJWK(publicKey));
  const key: DPoPKey = {
    alg,
    privateKey,
    publicJwk,
    jkt: await calculateJwkThumbprint(publicJwk, "sha256"),
    proof: (proofOptions) => dpopProof(key, proofOptions),
  };
  return key;
}
