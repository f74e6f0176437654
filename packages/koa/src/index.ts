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
  assertScopes,
  createVerifier,
  InvalidTokenError,
  type JWTPayload,
  parseRequiredScopes,
  type RequestLike,
  type Verifier,
  type VerifierOptions,
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
export type BearerAuthOptions = VerifierOptions | { verifier: Verifier };

/** The context as this middleware sees it; Koa's context (and @koa/router's) fits it. */
export interface AuthContext {
  request: Pick<RequestLike, "headers" | "method" | "body"> & { querystring: string };
  state: { auth?: AuthResult | undefined };
}

/** A Koa middleware (structural, so it fits Koa 2 and 3 and their routers). */
export type AuthMiddleware = (ctx: AuthContext, next: () => Promise<unknown>) => Promise<void>;

/** Scopes as arguments or arrays: `requireScopes("a", "b")`, `requireScopes(["a", "b"])`. */
export type ScopeArgs = ReadonlyArray<string | readonly string[]>;

/** A claim predicate for `requireClaims`: return true to accept the token. */
export type ClaimCheck = (claims: Readonly<JWTPayload>, auth: AuthResult) => boolean;

// The realm of the verifier that produced each result, for the 401 that `requireClaims` answers with.
const realms = new WeakMap<AuthResult, string | undefined>();

// Built once, at start-up; `{ verifier }` shares one (and its key cache) between apps and routers.
function toVerifier(options: BearerAuthOptions): Verifier {
  if (options === null || typeof options !== "object" || !("verifier" in options))
    return createVerifier(options);
  const { verifier, ...rest } = options;
  if (typeof verifier?.authenticate !== "function") {
    throw new TypeError("resource-guard: bearerAuth({ verifier }) needs a verifier made by createVerifier()");
  }
  if (Object.keys(rest).length > 0) {
    throw new TypeError(
      "resource-guard: bearerAuth() takes either { verifier } or verifier options, not both",
    );
  }
  return verifier;
}

// Core reads `query` only when allowQueryToken is on. It is parsed from the raw query string, so a
// custom query parser in the app cannot change what counts as an `access_token` parameter.
function toRequestLike(request: AuthContext["request"]): RequestLike {
  return {
    headers: request.headers,
    method: request.method,
    body: request.body,
    get query() {
      return new URLSearchParams(request.querystring);
    },
  };
}

/**
 * Verifies the bearer token of every request and sets `ctx.state.auth`; failures are thrown.
 * @example app.use(bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const verifier = toVerifier(options);
  return async (ctx, next) => {
    const auth = await verifier.authenticate(toRequestLike(ctx.request));
    realms.set(auth, verifier.realm);
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
  const required = parseRequiredScopes(scopes.flat(), "requireScopes");
  return guard("requireScopes", (auth) => assertScopes(auth, required));
}

/**
 * Throws 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example router.get("/orders", requireAnyScope("orders:read", "orders:admin"), handler);
 */
export function requireAnyScope(...scopes: ScopeArgs): AuthMiddleware {
  const required = parseRequiredScopes(scopes.flat(), "requireAnyScope");
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
  return guard("requireClaims", (auth) => {
    if (check(auth.claims, auth) !== true) {
      throw new InvalidTokenError("claim_rule", realms.has(auth) ? realms.get(auth) : "api");
    }
  });
}

export type { AuthResult, Verifier, VerifierOptions } from "@resource-guard/core";
