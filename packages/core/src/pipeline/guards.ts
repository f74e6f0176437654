/**
 * Route guards, written once for every adapter: `requireScopes`, `requireAnyScope` and
 * `requireClaims` validate their arguments where the route is declared, and check an AuthResult at
 * request time. The AuthResult carries the challenge context of the verifier that produced it (see
 * scopes.ts), so the 403 names that verifier's realm, schemes and `resource_metadata` (RFC 9728 §5.1)
 * whichever adapter or router runs the guard. Adapters only find the AuthResult and call `check`.
 */
import { MissingCredentialsError } from "../errors/bearer-error.js";
import type { ChallengeContext } from "../errors/challenge.js";
import type { AuthResult, ClaimCheck } from "../types.js";
import { assertAnyScope, assertClaims, assertScopes, parseRequiredScopes } from "./scopes.js";

/** Scopes as arguments or arrays: `requireScopes("a", "b")`, `requireScopes(["a", "b"])`. */
export type ScopeArgs = ReadonlyArray<string | readonly string[]>;

export type GuardKind = "requireScopes" | "requireAnyScope" | "requireClaims";

/** A guard built once per route. */
export interface RouteGuard {
  readonly kind: GuardKind;
  /** The scopes the route requires (for 401 challenges raised before the guard runs); claim guards have none. */
  readonly scopes: readonly string[] | undefined;
  /**
   * Throws the route's 403 (or 401 for a claim rule) unless `auth` passes. Without `auth`: a 401
   * challenge (with the route's scopes) when the request was let through anonymously by optional
   * authentication (`anonymous` is then the verifier's challenge context), else an Error naming the
   * setup mistake (`where`: no authentication ran before the guard).
   */
  check(auth: AuthResult | null | undefined, where: string, anonymous?: ChallengeContext): void;
}

function missing(
  kind: GuardKind,
  where: string,
  anonymous: ChallengeContext | undefined,
  scopes: readonly string[] | undefined,
): never {
  if (anonymous !== undefined)
    throw new MissingCredentialsError(anonymous).rechallenge(anonymous, undefined, scopes);
  throw new Error(`resource-guard: ${kind}() found no ${where}`);
}

/**
 * Where adapters mark a request that optional authentication (`credentialsRequired: false`) let through
 * without credentials: the verifier's challenge context, so a guard on the route can answer 401. A
 * registered symbol, the same in the ESM and CJS builds.
 */
export const ANONYMOUS: unique symbol = Symbol.for("resource-guard.anonymous") as never;

/** The challenge context stored by `markAnonymous`, if any. */
export function anonymousContextOf(holder: object): ChallengeContext | undefined {
  return (holder as { [ANONYMOUS]?: ChallengeContext })[ANONYMOUS];
}

/** Marks `holder` (a request or Koa state) as let through without credentials by `context`'s verifier. */
export function markAnonymous(holder: object, context: ChallengeContext): void {
  (holder as { [ANONYMOUS]?: ChallengeContext })[ANONYMOUS] = context;
}

/**
 * Builds a guard from an adapter's arguments; throws a TypeError for arguments that can never pass.
 * @example const guard = createGuard("requireScopes", ["orders:read"]);
 */
export function createGuard(kind: "requireScopes" | "requireAnyScope", args: ScopeArgs): RouteGuard;
export function createGuard(kind: "requireClaims", args: readonly [ClaimCheck]): RouteGuard;
export function createGuard(kind: GuardKind, args: ScopeArgs | readonly [ClaimCheck]): RouteGuard {
  if (kind === "requireClaims") {
    const check = args[0] as ClaimCheck;
    if (typeof check !== "function")
      throw new TypeError("resource-guard: requireClaims() needs a predicate function");
    // Guards answer synchronously; an async check would be read as "not true" and its rejection lost.
    if (Object.prototype.toString.call(check) === "[object AsyncFunction]")
      throw new TypeError(
        "resource-guard: requireClaims() needs a synchronous predicate; for a check that needs I/O use a requiredClaims function (it may be async) or check in your handler",
      );
    return Object.freeze({
      kind,
      scopes: undefined,
      check(auth: AuthResult | null | undefined, where: string, anonymous?: ChallengeContext) {
        if (!auth) missing(kind, where, anonymous, undefined);
        assertClaims(auth, check);
      },
    });
  }
  const required = parseRequiredScopes(args as ScopeArgs, kind);
  const all = kind === "requireScopes";
  return Object.freeze({
    kind,
    scopes: required,
    check(auth: AuthResult | null | undefined, where: string, anonymous?: ChallengeContext) {
      if (!auth) missing(kind, where, anonymous, required);
      if (all) assertScopes(auth, required);
      else assertAnyScope(auth, required);
    },
  });
}
