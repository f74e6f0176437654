/**
 * @resource-guard/express: Express 4 and 5 middleware over @resource-guard/core. It holds no
 * verification logic: `bearerAuth` hands the request to the core verifier and stores the result on
 * `req.auth`; `requireScopes`, `requireAnyScope` and `requireClaims` check that result with core's
 * assertions. Every failure is core's HttpError passed to `next(err)`, so Express's default handler
 * answers with `err.status` and `err.headers` (RFC 6750 §3) and a custom handler can read `err.code`.
 * The middleware never writes a response itself.
 *
 * Types are structural (node's IncomingMessage/ServerResponse), so the declarations fit both
 * `@types/express` 4 and 5; `req.auth` is typed through the global `Express.Request` interface.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type AuthResult,
  assertAnyScope,
  assertClaims,
  assertScopes,
  type ClaimCheck,
  parseRequiredScopes,
  resolveVerifier,
  type VerifierOrOptions,
} from "@resource-guard/core";

declare global {
  namespace Express {
    interface Request {
      /** The verified token, set by `bearerAuth()`; undefined on routes it does not guard. */
      auth?: AuthResult;
    }
  }
}

/** Options of `bearerAuth`: every `createVerifier` option, or `{ verifier }` to share a built one. */
export type BearerAuthOptions = VerifierOrOptions;

/** The request as this middleware sees it; Express's `Request` fits it in Express 4 and 5. */
export interface AuthRequest extends IncomingMessage {
  auth?: AuthResult | undefined;
  body?: unknown;
}

/** An Express middleware (structural, so it does not tie our types to one `@types/express` major). */
export type AuthMiddleware = (req: AuthRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Scopes as arguments or arrays: `requireScopes("a", "b")`, `requireScopes(["a", "b"])`. */
export type ScopeArgs = ReadonlyArray<string | readonly string[]>;

/**
 * Verifies the bearer token of every request and sets `req.auth`; failures go to `next(err)`.
 * @example app.use(bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const verifier = resolveVerifier(options, "bearerAuth()");
  return (req, _res, next) => {
    // Express 4 never catches a rejected promise, so the rejection is handed to next() here. Core
    // reads the query from `req.url`, so Express 4's qs and Express 5's parser answer alike.
    verifier.authenticate(req).then(
      (auth) => {
        req.auth = auth;
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

function guard(what: string, check: (auth: AuthResult) => void): AuthMiddleware {
  return (req, _res, next) => {
    try {
      if (req.auth === undefined) {
        throw new Error(
          `resource-guard: ${what}() found no req.auth; add app.use(bearerAuth(options)) before this route`,
        );
      }
      check(req.auth);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Answers 403 `insufficient_scope` unless the token holds every listed scope (whole words).
 * @example app.get("/orders", requireScopes("orders:read"), handler);
 */
export function requireScopes(...scopes: ScopeArgs): AuthMiddleware {
  const required = parseRequiredScopes(scopes, "requireScopes");
  return guard("requireScopes", (auth) => assertScopes(auth, required));
}

/**
 * Answers 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example app.get("/orders", requireAnyScope("orders:read", "orders:admin"), handler);
 */
export function requireAnyScope(...scopes: ScopeArgs): AuthMiddleware {
  const required = parseRequiredScopes(scopes, "requireAnyScope");
  return guard("requireAnyScope", (auth) => assertAnyScope(auth, required));
}

/**
 * Answers 401 `invalid_token` ("A required claim is missing or not accepted") unless `check` accepts
 * the token's claims. For rules that hold on every route, prefer the verifier's `requiredClaims`.
 * @example app.get("/acme", requireClaims((claims) => claims.tenant === "acme"), handler);
 */
export function requireClaims(check: ClaimCheck): AuthMiddleware {
  if (typeof check !== "function")
    throw new TypeError("resource-guard: requireClaims() needs a predicate function");
  return guard("requireClaims", (auth) => assertClaims(auth, check));
}

export type { AuthResult, ClaimCheck, Verifier, VerifierOptions } from "@resource-guard/core";
export { type ErrorMiddleware, errorHandler } from "./error-handler.js";
export { getAuth } from "./get-auth.js";
