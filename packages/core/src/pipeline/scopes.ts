/**
 * Stage 7 of 8: scopes. Reads what a token grants (RFC 6749 §3.3 `scope`, RFC 9068 / Okta / Entra
 * `scp`, or any claim the user names: `roles`, `permissions`, Keycloak's nested roles) and checks a
 * route's requirement against it. A scope matches only as a whole word, so `orders:readonly` never
 * grants `orders:read`.
 */
import { InsufficientScopeError, InternalVerifierError, InvalidTokenError } from "../errors/bearer-error.js";
import { type ChallengeContext, isScopeToken, realmOnly } from "../errors/challenge.js";
import type { AuthResult, ClaimCheck, JWTPayload, ScopeClaim, ScopeReader } from "../types.js";

/**
 * The challenge context of the verifier that produced an AuthResult, stored on the result itself under
 * a registered symbol: copies made with spread keep it, JSON and Object.keys do not show it, and the
 * ESM and CJS builds read the same key. Free functions (`assertScopes(auth, …)`) build their 403 from it.
 */
export const CHALLENGE_CONTEXT: unique symbol = Symbol.for("resource-guard.challenge-context") as never;

const DEFAULT_CONTEXT = realmOnly("api");

/** The challenge context `auth` was produced under (the default realm for a hand-made result). */
export function contextOf(auth: AuthResult): ChallengeContext {
  return (auth as { [CHALLENGE_CONTEXT]?: ChallengeContext })[CHALLENGE_CONTEXT] ?? DEFAULT_CONTEXT;
}

/**
 * Appends the words `value` grants to `into`: a space-delimited string (RFC 6749 §3.3), an array of
 * strings, or an object whose member names are the grants (ZITADEL-style roles).
 */
function addWords(value: unknown, into: string[]): void {
  if (typeof value === "string") {
    // Words between single spaces, empty ones skipped; indexOf and slice stay in optimised code where
    // split() would call into the runtime for every token.
    for (let start = 0; start < value.length; ) {
      let end = value.indexOf(" ", start);
      if (end === -1) end = value.length;
      if (end > start) into.push(value.slice(start, end));
      start = end + 1;
    }
  } else if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "string" && item !== "") into.push(item);
  } else if (value !== null && typeof value === "object") {
    for (const name of Object.keys(value)) into.push(name);
  }
}

/**
 * `words` without repeats, first occurrence kept. A token grants a handful of scopes, so pairwise
 * comparison beats building a Set for every verified token; long lists still go through one.
 */
function unique(words: string[]): string[] {
  const count = words.length;
  if (count > 32) return [...new Set(words)];
  for (let i = 1; i < count; i++) {
    if (words.lastIndexOf(words[i] as string, i - 1) !== -1) {
      return words.filter((word, at) => words.indexOf(word) === at);
    }
  }
  return words;
}

function readPath(claims: Readonly<JWTPayload>, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const segment of path) {
    // Own members only: a path like "constructor" must not reach Object.prototype.
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Builds the function that reads scopes from claims, once, from the `scopeClaims` option. */
export function compileScopeReader(
  sources: readonly ScopeClaim[] | ScopeReader,
): (claims: Readonly<JWTPayload>) => string[] {
  if (typeof sources === "function") {
    return (claims) => {
      const words: string[] = [];
      addWords(sources(claims), words);
      return unique(words);
    };
  }
  const compiled = sources.map((source) => {
    if (Array.isArray(source)) return { name: undefined, path: source as readonly string[] };
    const name = source as string;
    return { name, path: name.includes(".") ? name.split(".") : undefined };
  });
  return (claims) => {
    const words: string[] = [];
    for (const { name, path } of compiled) {
      if (name !== undefined && Object.hasOwn(claims, name)) addWords(claims[name], words);
      else if (path !== undefined) addWords(readPath(claims, path), words);
    }
    return unique(words);
  };
}

/**
 * Validates a route's scope list once, where the route is declared: every entry must be one RFC 6749
 * §3.3 scope-token, and the list must not be empty. Returns a frozen copy.
 * @example const scopes = parseRequiredScopes(["orders:read"]);
 */
export function parseRequiredScopes(
  scopes: string | readonly (string | readonly string[])[],
  what = "requireScopes",
): readonly string[] {
  // Adapters take `requireScopes("a", "b")` and `requireScopes(["a", "b"])` alike.
  const list = typeof scopes === "string" ? [scopes] : Array.isArray(scopes) ? scopes.flat() : scopes;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`resource-guard: ${what}() needs at least one scope, e.g. ${what}("orders:read")`);
  }
  for (const scope of list) {
    if (typeof scope !== "string" || !isScopeToken(scope)) {
      throw new TypeError(
        `resource-guard: ${what}() got ${JSON.stringify(scope)}; a scope is one non-empty word without spaces, quotes or backslashes`,
      );
    }
  }
  return Object.freeze([...new Set(list)]);
}

function hasScope(auth: AuthResult, scope: string): boolean {
  return auth.scopes.includes(scope);
}

/** True for a promise or any thenable; a `then` getter that throws counts as one (it is not a boolean). */
function isThenable(value: unknown): boolean {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return true;
  }
}

/**
 * Throws a 401 `invalid_token` (`claim_rule`) unless `check(auth.claims, auth)` returns true; a
 * throwing check counts as a refusal. The check must be synchronous: one that returns a promise is a
 * programming error, answered 500 InternalVerifierError (`claim_check_async`), and its rejection is
 * handled so it cannot bring the process down. For rules on every route, or checks that need I/O,
 * use the `requiredClaims` option (its functions may be async).
 * @example assertClaims(auth, (claims) => claims.tenant === "acme");
 */
export function assertClaims(auth: AuthResult, check: ClaimCheck, context = contextOf(auth)): void {
  let answer: unknown;
  try {
    answer = check(auth.claims, auth);
  } catch (error) {
    throw new InvalidTokenError("claim_rule", context, error).rechallenge(context, auth.scheme);
  }
  if (answer === true) return;
  if (isThenable(answer)) {
    // Promise.resolve adopts the thenable in a later job; a throwing `then` lands in this catch too.
    Promise.resolve(answer as PromiseLike<unknown>).catch(() => undefined);
    throw new InternalVerifierError(
      "claim_check_async",
      undefined,
      "a requireClaims/assertClaims check returned a promise; these checks must be synchronous",
    );
  }
  throw new InvalidTokenError("claim_rule", context).rechallenge(context, auth.scheme);
}

/**
 * Throws a 403 `insufficient_scope` unless `auth` holds every scope in `required`. The challenge's
 * `scope` parameter lists all of `required` (RFC 6750 §3).
 * @example assertScopes(auth, ["orders:read"]);
 */
export function assertScopes(auth: AuthResult, required: readonly string[], context = contextOf(auth)): void {
  for (const scope of required) {
    if (!hasScope(auth, scope)) throw new InsufficientScopeError(required, context, auth.scheme);
  }
}

/**
 * Throws a 403 `insufficient_scope` unless `auth` holds at least one scope in `required`.
 * @example assertAnyScope(auth, ["orders:read", "orders:admin"]);
 */
export function assertAnyScope(
  auth: AuthResult,
  required: readonly string[],
  context = contextOf(auth),
): void {
  for (const scope of required) if (hasScope(auth, scope)) return;
  throw new InsufficientScopeError(required, context, auth.scheme);
}
