/**
 * What an introspection answer (RFC 7662 §2.2) means for a request, and how long it may be reused.
 * An active answer is judged exactly like a JWT's claims, with the same code (pipeline/claims.ts):
 * `exp` required, `nbf` and `iat` with the clock tolerance, the audience, `allowedClients`,
 * `requiredClaims`, `maxTokenAge`; `iss`, when the provider includes it, must be the introspecting
 * issuer (§2.2 makes it optional). `active: false` is 401 `invalid_token`, "The token is not active",
 * whether the token expired, was revoked or never existed: the provider does not say which (§2.2).
 *
 * The answer is cached in the shape below, in this process and in a shared cache. `until` is when it
 * must no longer be used: an active answer until the moment a fresh check would call it expired, but at
 * most `maxCacheMs` after it was fetched (so a revocation takes effect within that time); an inactive
 * one for `inactiveCacheMs`.
 */
import { InvalidTokenError } from "../errors/bearer-error.js";
import type { ResolvedIssuer } from "../options/resolved-options.js";
import { acceptedUntilMs, checkClaims } from "../pipeline/claims.js";
import type { JWTPayload } from "../types.js";

/** A cached answer. Version 1; a value of any other shape is treated as absent. */
export interface StoredAnswer {
  readonly v: 1;
  readonly active: boolean;
  /** Milliseconds since the epoch after which the answer must not be used. */
  readonly until: number;
  /** The response members of an active answer (inactive answers keep nothing). */
  readonly members?: Readonly<Record<string, unknown>>;
}

export interface AnswerLifetimes {
  readonly maxCacheMs: number;
  readonly inactiveCacheMs: number;
  readonly clockTolerance: number;
}

/** Turns a provider's response into the answer to cache. */
export function toStoredAnswer(
  members: Readonly<Record<string, unknown>>,
  issuer: ResolvedIssuer,
  fetchedAtMs: number,
  lifetimes: AnswerLifetimes,
): StoredAnswer {
  if (members.active !== true) return { v: 1, active: false, until: fetchedAtMs + lifetimes.inactiveCacheMs };
  const cap = fetchedAtMs + lifetimes.maxCacheMs;
  const exp = members.exp;
  // Without a usable `exp` (or `iat` under maxTokenAge) the answer is refused; keep that briefly.
  const untilExpiry =
    typeof exp === "number"
      ? acceptedUntilMs(members as JWTPayload, issuer, lifetimes.clockTolerance)
      : Number.NaN;
  const until = Number.isFinite(untilExpiry)
    ? Math.min(cap, untilExpiry)
    : Math.min(cap, fetchedAtMs + lifetimes.inactiveCacheMs);
  return { v: 1, active: true, until, members };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** True when `value` (read back from a shared cache) has the shape of a StoredAnswer. */
export function isStoredAnswer(value: unknown): value is StoredAnswer {
  if (!isPlainObject(value) || value.v !== 1 || typeof value.active !== "boolean") return false;
  if (typeof value.until !== "number" || !Number.isFinite(value.until)) return false;
  return value.active ? isPlainObject(value.members) && value.members.active === true : true;
}

/**
 * Throws InvalidTokenError unless the answer accepts the token for `issuer` at `nowMs`.
 * @example checkAnswer(answer, issuer, Date.now(), 5, "api");
 */
export function checkAnswer(
  answer: StoredAnswer,
  issuer: ResolvedIssuer,
  nowMs: number,
  clockTolerance: number,
  realm: string | undefined,
): asserts answer is StoredAnswer & { members: Readonly<Record<string, unknown>> } {
  const members = answer.members;
  if (!answer.active || members === undefined) throw new InvalidTokenError("inactive", realm);
  const iss = members.iss;
  if (iss !== undefined && iss !== issuer.issuer)
    throw new InvalidTokenError(typeof iss === "string" ? "issuer" : "claim_type", realm);
  checkClaims(members as JWTPayload, issuer, nowMs, clockTolerance, realm);
}
