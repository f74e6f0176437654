/**
 * The short way for the request nearly every API serves: `Authorization: Bearer <token>` with a token
 * the verified-token cache holds, that no sender binding constrains. It reads one header, looks the
 * token up and hands out the cached AuthResult, with no credentials object, no promise and none of the
 * stages' dispatch. Anything else (no header or another scheme, a repeated header, extra spaces, a
 * miss, a bound token) answers `undefined` and the request takes the whole pipeline, which decides it
 * exactly as it decides an uncached token. So this adds no rule of its own: it is the cache hit of
 * verifyToken plus checkBinding's answer for an unbound Bearer token, taken before the stages run.
 *
 * A verifier uses it only when nothing else could change the answer for such a request (see
 * `usesCachedBearer`): no form-body or query token (a second method makes the request a 400), no
 * introspection (an opaque token is not a JWT), no revocation check, no `mtls.required`.
 */
import type { TokenCache } from "../cache/token-cache.js";
import type { ResolvedOptions } from "../options/resolved-options.js";
import type { AuthResult, RequestLike } from "../types.js";
import type { SenderChecks } from "./binding.js";

/** Whether a verifier with these options may answer from `cachedBearer` at all. */
export function usesCachedBearer(
  options: Pick<ResolvedOptions, "allowFormBodyToken" | "allowQueryToken" | "isRevoked" | "challenge">,
  hasIntrospection: boolean,
  checks: SenderChecks,
): boolean {
  return (
    options.challenge.bearer &&
    !options.allowFormBodyToken &&
    !options.allowQueryToken &&
    options.isRevoked === undefined &&
    !hasIntrospection &&
    !checks.mtlsRequired
  );
}

// "bearer " as char codes, lower case; the scheme is matched without regard to case (RFC 7235 §2.1).
const B = 0x62;
const E = 0x65;
const A = 0x61;
const R = 0x72;
const SP = 0x20;

/** The cached, unbound AuthResult of a plain Bearer request, or undefined for the whole pipeline. */
export function cachedBearer(request: RequestLike, cache: TokenCache, nowMs: number): AuthResult | undefined {
  const headers = request.headers as Record<string, unknown> | null | undefined;
  if (headers == null) return undefined;
  // Fetch Headers join repeated fields with ", ": such a value is no cached token, so it misses.
  const value =
    typeof headers.get === "function"
      ? (headers as unknown as Headers).get("authorization")
      : headers.authorization;
  if (
    typeof value !== "string" ||
    value.charCodeAt(6) !== SP ||
    value.charCodeAt(7) === SP ||
    (value.charCodeAt(0) | SP) !== B ||
    (value.charCodeAt(1) | SP) !== E ||
    (value.charCodeAt(2) | SP) !== A ||
    (value.charCodeAt(3) | SP) !== R ||
    (value.charCodeAt(4) | SP) !== E ||
    (value.charCodeAt(5) | SP) !== R
  )
    return undefined;
  const hit = cache.get(value.slice(7), nowMs, true);
  if (hit === undefined) return undefined;
  hit.source.refreshIfStale(nowMs);
  return hit.auth;
}
