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
  assertScopes,
  createVerifier,
  InvalidTokenError,
  type JWTPayload,
  parseRequiredScopes,
  type RequestLike,
  type Verifier,
  type VerifierOptions,
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
export type BearerAuthOptions = VerifierOptions | { verifier: Verifier };

/** The request as this middleware sees it; Express's `Request` fits it in Express 4 and 5. */
export interface AuthRequest extends IncomingMessage {
  auth?: AuthResult | undefined;
  body?: unknown;
}

/** An Express middleware (structural, so it does not tie our types to one `@types/express` major). */
export type AuthMiddleware = (req: AuthRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

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

// Core reads `query` only when allowQueryToken is on. It is parsed from the raw URL, so Express 4's qs
// (`?access_token[x]=…` becomes an object) and Express 5's querystring give the same answer.
function toRequestLike(req: AuthRequest): RequestLike {
  return {
    headers: req.headers,
    method: req.method,
    body: req.body,
    get query() {
      const at = req.url?.indexOf("?") ?? -1;
      return at === -1 ? null : new URLSearchParams(req.url?.slice(at + 1));
    },
  };
}

/**
 * Verifies the bearer token of every request and sets `req.auth`; failures go to `next(err)`.
 * @example app.use(bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const verifier = toVerifier(options);
  return (req, _res, next) => {
    // Express 4 never catches a rejected promise, so the rejection is handed to next() here.
    verifier.authenticate(toRequestLike(req)).then(
      (auth) => {
        realms.set(auth, verifier.realm);
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
  const required = parseRequiredScopes(scopes.flat(), "requireScopes");
  return guard("requireScopes", (auth) => assertScopes(auth, required));
}

/**
 * Answers 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example app.get("/orders", requireAnyScope("orders:read", "orders:admin"), handler);
 */
export function requireAnyScope(...scopes: ScopeArgs): AuthMiddleware {
  const required = parseRequiredScopes(scopes.flat(), "requireAnyScope");
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
  return guard("requireClaims", (auth) => {
    if (check(auth.claims, auth) !== true)
      throw new InvalidTokenError("claim_rule", realms.has(auth) ? realms.get(auth) : "api");
  });
}

export type { AuthResult, Verifier, VerifierOptions } from "@resource-guard/core";
