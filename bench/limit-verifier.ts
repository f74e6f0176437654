/**
 * The yardstick: the least work a correct verifier must do for one JWS compact token. Split on the dots,
 * base64url-decode header and payload, JSON.parse both, one node:crypto verify on a KeyObject imported
 * before timing starts, then the checks every peer makes (alg allow-list, kid, exp, iss, aud).
 * There is no cache, no error mapping and no async step. Nothing real can beat it on a token it has not
 * seen, so every other verifier is reported as a ratio to it. It lives in bench/ only.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";

interface LimitKey {
  alg: string;
  key: KeyObject;
  /** node:crypto digest name; null for EdDSA, which hashes internally. */
  digest: string | null;
  /** ES* signatures in a JWS are r||s (IEEE P1363), not DER. */
  p1363: boolean;
}

const DIGESTS: Record<string, string | null> = { RS256: "sha256", ES256: "sha256", EdDSA: null };

export interface LimitOptions {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  clockToleranceSec?: number;
}

/** A verify function over keys already imported. Throws on any failure; returns the claims. */
export type LimitVerify = (token: string) => Record<string, unknown>;

/** Fetches the JWKS once, imports every key, and returns the minimal verify function. */
export async function createLimitVerifier(jwksUri: string, options: LimitOptions): Promise<LimitVerify> {
  const response = await fetch(jwksUri);
  const jwks = (await response.json()) as { keys: Array<{ kid: string; alg: string; [k: string]: unknown }> };
  const keys = new Map<string, LimitKey>();
  for (const jwk of jwks.keys) {
    if (!(jwk.alg in DIGESTS)) continue;
    keys.set(jwk.kid, {
      alg: jwk.alg,
      key: createPublicKey({ key: jwk as never, format: "jwk" }),
      digest: DIGESTS[jwk.alg] ?? null,
      p1363: jwk.alg.startsWith("ES"),
    });
  }
  const allowed = new Set(options.algorithms);
  const tolerance = options.clockToleranceSec ?? 5;
  const { issuer, audience } = options;

  return (token: string) => {
    const first = token.indexOf(".");
    const second = token.indexOf(".", first + 1);
    if (first < 0 || second < 0 || token.indexOf(".", second + 1) >= 0) throw new Error("malformed");
    const header = JSON.parse(Buffer.from(token.slice(0, first), "base64url").toString("utf8"));
    if (!allowed.has(header.alg)) throw new Error("alg not allowed");
    const entry = keys.get(header.kid);
    if (!entry || entry.alg !== header.alg) throw new Error("no key");
    const signature = Buffer.from(token.slice(second + 1), "base64url");
    const input = Buffer.from(token.slice(0, second), "latin1");
    const key = entry.p1363 ? { key: entry.key, dsaEncoding: "ieee-p1363" as const } : entry.key;
    if (!verify(entry.digest, input, key, signature)) throw new Error("bad signature");
    const claims = JSON.parse(Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8"));
    const now = Date.now() / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= now - tolerance) throw new Error("expired");
    if (typeof claims.nbf === "number" && claims.nbf > now + tolerance) throw new Error("not yet valid");
    if (claims.iss !== issuer) throw new Error("issuer");
    const aud = claims.aud;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) throw new Error("audience");
    return claims;
  };
}
