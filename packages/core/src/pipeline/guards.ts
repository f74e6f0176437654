/**
 * Route guards, written once for every adapter: `requireScopes`, `requireAnyScope` and
 * `requireClaims` validate their arguments where the route is declared, and check an AuthResult at
 * request time. The AuthResult carries the challenge context of the verifier that produced it (see
 * scopes.ts), so the 403 names that verifier's realm, schemes and `resource_metadata` (RFC 9728 §5.1)
 * whichever adapter or router runs the guard. Adapters only find the AuthResult and call `check`.
 */
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
   * Throws the route's 403 (or 401 for a claim rule) unless `auth` passes. `where` completes the
   * message of the setup mistake of a guard that runs without an AuthResult (no authentication before it).
   */
  check(auth: AuthResult | null | undefined, where: string): void;
}

function missing(kind: GuardKind, where: string): never {
  throw new Error(`resource-guard: ${kind}() found no ${where}`);
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
      check(auth: AuthResult | null | undefined, where: string) {
        if (!auth) missing(kind, where);
        assertClaims(auth, check);
      },
    });
  }
  const required = parseRequiredScopes(args as ScopeArgs, kind);
  const all = kind === "requireScopes";
  return Object.freeze({
    kind,
    scopes: required,
    check(auth: AuthResult | null | undefined, where: string) {
      if (!auth) missing(kind, where);
      if (all) assertScopes(auth, required);
      else assertAnyScope(auth, required);
    },
  });
}
