/**
 * The DPoP yardstick: the least work a correct resource server must do for one DPoP request whose
 * access token it has already verified. A Map lookup for the token (the cache hit), then the proof:
 * split on the dots, base64url-decode and JSON.parse header and payload, the typ/alg checks, the
 * header jwk imported once into a KeyObject (kept in a Map by its JSON text, with its RFC 7638
 * thumbprint), one node:crypto verify, htm and htu compared as strings, the iat window, ath (one
 * SHA-256 of the token), the thumbprint against cnf.jkt, and the jti added to a Set. No error mapping,
 * no duplicate-member scan, no URL normalisation, no bound on anything, no async step: nothing real
 * can beat it, so resource-guard is reported as a ratio to it. It lives in bench/ only.
 */
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";

export interface LimitDPoPRequest {
  token: string;
  proof: string;
  method: string;
  url: string;
}

/** Checks one request; throws on any failure; returns the token's claims. */
export type LimitDPoPCheck = (request: LimitDPoPRequest) => Record<string, unknown>;

/** Builds the check over tokens already verified (token text → claims). */
export function createLimitDPoPCheck(
  verifiedTokens: ReadonlyMap<string, Record<string, unknown>>,
  windowSeconds: number,
): LimitDPoPCheck {
  const keys = new Map<string, { key: KeyObject; jkt: string }>();
  const seen = new Set<string>();
  return ({ token, proof, method, url }) => {
    const claims = verifiedTokens.get(token);
    if (claims === undefined) throw new Error("token not verified");
    const first = proof.indexOf(".");
    const second = proof.indexOf(".", first + 1);
    if (first < 0 || second < 0 || proof.indexOf(".", second + 1) >= 0) throw new Error("malformed");
    const header = JSON.parse(Buffer.from(proof.slice(0, first), "base64url").toString("utf8"));
    if (header.typ !== "dpop+jwt" || header.alg !== "ES256") throw new Error("typ or alg");
    const payload = JSON.parse(Buffer.from(proof.slice(first + 1, second), "base64url").toString("utf8"));
    if (payload.htm !== method) throw new Error("htm");
    const queryAt = url.indexOf("?");
    if (payload.htu !== (queryAt === -1 ? url : url.slice(0, queryAt))) throw new Error("htu");
    const now = Date.now() / 1000;
    if (typeof payload.iat !== "number" || payload.iat < now - windowSeconds || payload.iat > now + 5)
      throw new Error("iat");
    if (payload.ath !== createHash("sha256").update(token).digest("base64url")) throw new Error("ath");
    const jwkText = JSON.stringify(header.jwk);
    let entry = keys.get(jwkText);
    if (entry === undefined) {
      const { crv, kty, x, y } = header.jwk;
      const canonical = JSON.stringify({ crv, kty, x, y });
      entry = {
        key: createPublicKey({ key: header.jwk, format: "jwk" }),
        jkt: createHash("sha256").update(canonical).digest("base64url"),
      };
      keys.set(jwkText, entry);
    }
    if (entry.jkt !== (claims.cnf as { jkt?: string } | undefined)?.jkt) throw new Error("jkt");
    const signature = Buffer.from(proof.slice(second + 1), "base64url");
    const input = Buffer.from(proof.slice(0, second), "latin1");
    if (!verify("sha256", input, { key: entry.key, dsaEncoding: "ieee-p1363" }, signature))
      throw new Error("signature");
    if (seen.has(payload.jti)) throw new Error("replay");
    seen.add(payload.jti);
    return claims;
  };
}
