/**
 * @resource-guard/koa: Koa 2 and 3 middleware over @resource-guard/core. It holds no verification
 * logic: `bearerAuth` hands `ctx.request` to the core verifier and stores the result on
 * `ctx.state.auth`; `requireScopes`, `requireAnyScope` and `requireClaims` check that result with
 * core's assertions. Failures are thrown as core's HttpErrors, so Koa's default error handling answers
 * with their status and headers (RFC 6750 §3). The middleware never writes a response itself.
 *
 * Koa's `ctx.onerror` removes headers set before the error (CORS ones too) and then sets
 * `err.headers`; apps behind browsers apply CORS in an outer error-catching middleware.
 */
import {
  type AuthResult,
  assertAnyScope,
  assertClaims,
  assertScopes,
  type ClaimCheck,
  parseRequiredScopes,
  type RequestLike,
  resolveVerifier,
  type VerifierOrOptions,
} from "@resource-guard/core";

// Brings "koa" into the declaration build so the augmentation below resolves there (tsup's dts step
// reports TS2664 without it); it emits no code.
import type {} from "koa";

declare module "koa" {
  interface DefaultState {
    /** The verified token, set by `bearerAuth()`; undefined where it does not run. */
    auth?: AuthResult;
  }
}

/** Options of `bearerAuth`: every `createVerifier` option, or `{ verifier }` to share a built one. */
export type BearerAuthOptions = VerifierOrOptions;

/** The context as this middleware sees it; Koa's context (and @koa/router's) fits it. */
export interface AuthContext {
  request: Pick<RequestLike, "headers" | "method" | "body"> & { url: string };
  state: { auth?: AuthResult | undefined };
}

/** A Koa middleware (structural, so it fits Koa 2 and 3 and their routers). */
export type AuthMiddleware = (ctx: AuthContext, next: () => Promise<unknown>) => Promise<void>;

/** Scopes as arguments or arrays: `requireScopes("a", "b")`, `requireScopes(["a", "b"])`. */
export type ScopeArgs = ReadonlyArray<string | readonly string[]>;

/**
 * Verifies the bearer token of every request and sets `ctx.state.auth`; failures are thrown.
 * @example app.use(bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const verifier = resolveVerifier(options, "bearerAuth()");
  return async (ctx, next) => {
    // Core reads the query from `ctx.request.url`, so an app's own query parser changes nothing.
    const auth = await verifier.authenticate(ctx.request);
    ctx.state.auth = auth;
    await next();
  };
}

function guard(what: string, check: (auth: AuthResult) => void): AuthMiddleware {
  return async (ctx, next) => {
    const auth = ctx.state.auth;
    if (auth === undefined) {
      throw new Error(
        `resource-guard: ${what}() found no ctx.state.auth; add app.use(bearerAuth(options)) before it`,
      );
    }
    check(auth);
    await next();
  };
}

/**
 * Throws 403 `insufficient_scope` unless the token holds every listed scope (whole words).
 * @example router.get("/orders", requireScopes("orders:read"), handler);
 */
export function requireScopes(...scopes: ScopeArgs): AuthMiddleware {
  const required = parseRequiredScopes(scopes, "requireScopes");
  return guard("requireScopes", (auth) => assertScopes(auth, required));
}

/**
 * Throws 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example router.get("/orders", requireAnyScope("orders:read", "orders:admin"), handler);
 */
export function requireAnyScope(...scopes: ScopeArgs): AuthMiddleware {
  const required = parseRequiredScopes(scopes, "requireAnyScope");
  return guard("requireAnyScope", (auth) => assertAnyScope(auth, required));
}

/**
 * Throws 401 `invalid_token` ("A required claim is missing or not accepted") unless `check` returns
 * true for the token's claims. For rules that hold on every route, prefer the verifier's `requiredClaims`.
 * @example router.get("/acme", requireClaims((claims) => claims.tenant === "acme"), handler);
 */
export function requireClaims(check: ClaimCheck): AuthMiddleware {
  if (typeof check !== "function")
    throw new TypeError("resource-guard: requireClaims() needs a predicate function");
  return guard("requireClaims", (auth) => assertClaims(auth, check));
}

export type { AuthResult, ClaimCheck, Verifier, VerifierOptions } from "@resource-guard/core";
export { type ErrorContext, type ErrorMiddleware, errorHandler } from "./error-handler.js";
export { getAuth } from "./get-auth.js";
