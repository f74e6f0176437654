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
import { startsWithScheme } from "./extract.js";

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

const SP = 0x20;

/** The cached, unbound AuthResult of a plain Bearer request, or undefined for the whole pipeline. */
export function cachedBearer(request: RequestLike, cache: TokenCache, nowMs: number): AuthResult | undefined {
  // Not a request at all (null, a string): the pipeline answers that, with its 401.
  const headers = (request as RequestLike | null | undefined)?.headers as
    | Record<string, unknown>
    | null
    | undefined;
  if (headers == null) return undefined;
  // Fetch Headers join repeated fields with ", ": such a value is no cached token, so it misses.
  const value =
    typeof headers.get === "function"
      ? (headers as unknown as Headers).get("authorization")
      : headers.authorization;
  // "Bearer" in any case, then exactly one space (more are the pipeline's to skip).
  if (
    typeof value !== "string" ||
    value.charCodeAt(6) !== SP ||
    value.charCodeAt(7) === SP ||
    !startsWithScheme(value, "bearer")
  )
    return undefined;
  return cache.serve(value.slice(7), nowMs, true);
}
