/**
 * Token minting: JWT access tokens shaped as RFC 9068 describes (`typ: at+jwt`; `iss`, `sub`, `aud`,
 * `client_id`, `iat`, `exp`, `jti`), signed as compact JWS (RFC 7515 §7.1), plus the bad tokens a
 * resource server must refuse: expired, not yet valid, for another audience, from another issuer,
 * signed by a key the JWKS does not hold, or with a signature that does not match the key it names.
 * The payload is serialised as given, so a test can also mint malformed claims on purpose.
 */
import { randomUUID } from "node:crypto";
import { CompactSign } from "jose";
import { assertAlgorithm, type TestAlgorithm } from "./algorithms.js";
import type { KeyRing } from "./key-ring.js";

/** Claims of a minted token. A member set to `undefined` removes that default claim. */
export type Claims = Record<string, unknown>;

export interface SignOptions {
  /** The signing algorithm; its key must be published (see the `algorithms` option). */
  alg?: TestAlgorithm;
  /** Seconds from now until `exp`; negative for a token that has already expired. */
  expiresIn?: number;
  /** Seconds from now until `nbf`; without it the token has no `nbf`. */
  notBefore?: number;
  /** Seconds from now of `iat`. Default 0. */
  issuedAt?: number;
  /**
   * Which key signs: `"current"` (default), `"previous"` (the key replaced by the last `rotate()`),
   * `"unknown"` (a key the JWKS does not hold, with a `kid` it does not hold either), or `"forged"`
   * (a key the JWKS does not hold, under the `kid` of the current key: the signature fails).
   */
  key?: "current" | "previous" | "unknown" | "forged";
  /** The header `kid`; `null` leaves it out. Default: the signing key's `kid`. */
  kid?: string | null;
  /** The header `typ`; `null` leaves it out. Default: the issuer's (`at+jwt`). */
  typ?: string | null;
  /** More protected header members. */
  header?: Record<string, unknown>;
}

export interface MintSettings {
  issuer: string;
  audience: string | readonly string[] | undefined;
  alg: TestAlgorithm;
  expiresIn: number;
  typ: string | null;
}

/** What every test issuer mints; shared by `createTestIssuer()` and `createTestKeys()`. */
export interface TokenMinter {
  /**
   * Mints a token that the issuer's verifier accepts: default claims, then `claims` over them.
   * @example
   * const token = await idp.sign({ scope: "orders:read" });
   */
  sign(claims?: Claims, options?: SignOptions): Promise<string>;
  /** A token whose `exp` passed a minute ago (beyond any usual clock tolerance). */
  expired(claims?: Claims, options?: SignOptions): Promise<string>;
  /** A token whose `nbf` is a minute from now. */
  notYetValid(claims?: Claims, options?: SignOptions): Promise<string>;
  /** A token for another API: `aud` is `https://other-api.test`. */
  wrongAudience(claims?: Claims, options?: SignOptions): Promise<string>;
  /** A token naming another issuer (`https://other-issuer.test`), signed with this issuer's key. */
  wrongIssuer(claims?: Claims, options?: SignOptions): Promise<string>;
  /** A token signed by a key that is not in the JWKS, under a `kid` that is not either. */
  unknownKey(claims?: Claims, options?: SignOptions): Promise<string>;
  /** A token that names the current key's `kid` but was signed by another key. */
  badSignature(claims?: Claims, options?: SignOptions): Promise<string>;
}

const encoder = new TextEncoder();

function numberOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new TypeError(`@resource-guard/testing: "${name}" must be a number of seconds`);
  return value;
}

export function createMinter(ring: KeyRing, settings: MintSettings): TokenMinter {
  async function sign(claims: Claims = {}, options: SignOptions = {}): Promise<string> {
    if (claims === null || typeof claims !== "object" || Array.isArray(claims))
      throw new TypeError("@resource-guard/testing: sign() takes an object of claims");
    const alg = options.alg ?? settings.alg;
    assertAlgorithm(alg, "alg");
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = numberOption(options.expiresIn, "expiresIn") ?? settings.expiresIn;
    const notBefore = numberOption(options.notBefore, "notBefore");
    const issuedAt = numberOption(options.issuedAt, "issuedAt") ?? 0;

    const current = ring.currentKey(alg);
    const which = options.key ?? "current";
    const key =
      which === "current"
        ? current
        : which === "previous"
          ? ring.previousKey(alg)
          : which === "unknown"
            ? await ring.unpublishedKey(alg, `unknown-${alg.toLowerCase()}`)
            : which === "forged"
              ? await ring.unpublishedKey(alg, current.kid)
              : undefined;
    if (key === undefined)
      throw new TypeError(
        '@resource-guard/testing: "key" must be "current", "previous", "unknown" or "forged"',
      );

    const payload = {
      iss: settings.issuer,
      sub: "test-user",
      aud: settings.audience,
      client_id: "test-client",
      iat: now + issuedAt,
      ...(notBefore === undefined ? {} : { nbf: now + notBefore }),
      exp: now + expiresIn,
      jti: randomUUID(),
      ...claims,
    };
    const header: Record<string, unknown> = { alg };
    const kid = options.kid === undefined ? key.kid : options.kid;
    if (kid !== null) header.kid = kid;
    const typ = options.typ === undefined ? settings.typ : options.typ;
    if (typ !== null) header.typ = typ;
    Object.assign(header, options.header);
    // JSON.stringify drops members whose value is undefined: that is how a default claim is removed.
    return new CompactSign(encoder.encode(JSON.stringify(payload)))
      .setProtectedHeader(header as { alg: string })
      .sign(key.privateKey);
  }

  return {
    sign,
    expired: (claims, options) => sign(claims, { issuedAt: -3600, expiresIn: -60, ...options }),
    notYetValid: (claims, options) => sign(claims, { notBefore: 60, ...options }),
    wrongAudience: (claims, options) => sign({ ...claims, aud: "https://other-api.test" }, options),
    wrongIssuer: (claims, options) => sign({ ...claims, iss: "https://other-issuer.test" }, options),
    unknownKey: (claims, options) => sign(claims, { ...options, key: "unknown" }),
    badSignature: (claims, options) => sign(claims, { ...options, key: "forged" }),
  };
}
