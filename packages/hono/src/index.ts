/**
 * @resource-guard/hono: Hono 4 middleware over @resource-guard/core, on every runtime Hono runs on
 * (Node through @hono/node-server, Bun, Deno). It holds no verification logic: `bearerAuth` hands the
 * Fetch request to the core verifier and stores the result as `c.get("auth")`; `requireScopes`,
 * `requireAnyScope` and `requireClaims` check that result with core's guards. Failures are thrown as
 * Hono `HTTPException`s carrying a complete response (status, `WWW-Authenticate` or `Retry-After`,
 * a JSON body), so Hono's error handling answers them (RFC 6750 §3); the middleware never returns a
 * response of its own.
 *
 * `c.get("auth")` is typed through Hono's variable map: the middleware are `MiddlewareHandler<
 * ResourceGuardEnv>`, so routes chained after them (or an app built as `new Hono<ResourceGuardEnv>()`)
 * see `AuthResult`.
 */
import {
  type AuthenticateOptions,
  type AuthResult,
  anonymousContextOf,
  type ClaimCheck,
  createGuard,
  isCorsPreflight,
  markAnonymous,
  peerCertificateOf,
  type RequestLike,
  type RouteGuard,
  resolveVerifier,
  type ScopeArgs,
  type VerifierOrOptions,
} from "@resource-guard/core";
import type { MiddlewareHandler } from "hono";
import { toHTTPException } from "./http-exception.js";

/** The variables `bearerAuth` sets on the context. */
export interface AuthVariables {
  /** The verified token. */
  auth: AuthResult;
}

/** The Hono environment of an app (or route) behind `bearerAuth`: `c.get("auth")` is an AuthResult. */
export type ResourceGuardEnv = { Variables: AuthVariables };

/** Options of `bearerAuth`: every `createVerifier` option, or `{ verifier }` to share a built one. */
export type BearerAuthOptions = VerifierOrOptions & {
  /** `false` lets requests without credentials through with `c.get("auth")` undefined (bad ones still fail). */
  credentialsRequired?: boolean;
};

/** A middleware of this package; its environment types `c.get("auth")` on the routes after it. */
export type AuthMiddleware = MiddlewareHandler<ResourceGuardEnv>;

/** The request as core reads it, plus the runtime's bindings (where Node keeps the socket). */
interface HonoRequestLike extends RequestLike {
  env: unknown;
}

/** @hono/node-server's bindings: the Node request (`c.env.incoming`, or under `server` when wrapped). */
interface NodeBindings {
  incoming?: { socket?: unknown };
  server?: { incoming?: { socket?: unknown } };
}

// Hono's request URL is absolute (scheme, host, path, query), so core reads DPoP's `htu` from it.
// Only @hono/node-server exposes the TLS socket; Bun.serve and Deno.serve give handlers no certificate.
const READERS: AuthenticateOptions<HonoRequestLike> = Object.freeze({
  clientCertificate: (request: HonoRequestLike) => {
    const env = request.env as NodeBindings | undefined;
    return peerCertificateOf((env?.incoming ?? env?.server?.incoming)?.socket);
  },
});

function isFormRequest(request: Request): boolean {
  if (request.method === "GET" || request.method === "HEAD") return false;
  const type = request.headers.get("content-type");
  return type !== null && type.toLowerCase().split(";")[0]?.trim() === "application/x-www-form-urlencoded";
}

/**
 * Verifies the bearer token of every request and sets `c.get("auth")`; failures are thrown as
 * `HTTPException`s whose response carries the status, headers and a JSON body.
 * @example app.use("/api/*", bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const { credentialsRequired, ...rest } = options ?? ({} as BearerAuthOptions);
  const verifier = resolveVerifier(rest as VerifierOrOptions, "bearerAuth()");
  const readers = credentialsRequired === false ? { ...READERS, credentialsRequired } : READERS;
  // RFC 6750 §2.2 form-body tokens need the parsed body; it is read (and cached by Hono for the
  // route) only when these options turn the method on, so no other request body is read before
  // its sender is authenticated.
  const formBody =
    !("verifier" in rest) && (rest as { allowFormBodyToken?: boolean }).allowFormBodyToken === true;
  return async (c, next) => {
    const raw = c.req.raw;
    if (isCorsPreflight(raw)) return next();
    const request: HonoRequestLike = {
      headers: raw.headers,
      method: raw.method,
      url: raw.url,
      body: formBody && isFormRequest(raw) ? await c.req.parseBody() : undefined,
      env: c.env,
    };
    let auth: AuthResult;
    try {
      auth = await verifier.authenticate(request, readers);
    } catch (err) {
      throw toHTTPException(err);
    }
    if (auth === undefined) {
      markAnonymous(raw, verifier.challenge);
      return next();
    }
    c.set("auth", auth);
    if (auth.responseHeaders !== undefined)
      for (const [name, value] of Object.entries(auth.responseHeaders)) c.header(name, value);
    await next();
  };
}

const NO_AUTH = 'c.get("auth"); add app.use(bearerAuth(options)) before this route';

function guard(built: RouteGuard): AuthMiddleware {
  return async (c, next) => {
    try {
      built.check(c.get("auth"), NO_AUTH, anonymousContextOf(c.req.raw));
    } catch (err) {
      throw toHTTPException(err);
    }
    await next();
  };
}

/**
 * Answers 403 `insufficient_scope` unless the token holds every listed scope (whole words).
 * @example app.get("/orders", requireScopes("orders:read"), (c) => c.json(orders));
 */
export function requireScopes(...scopes: ScopeArgs): AuthMiddleware {
  return guard(createGuard("requireScopes", scopes));
}

/**
 * Answers 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example app.get("/orders", requireAnyScope("orders:read", "orders:admin"), handler);
 */
export function requireAnyScope(...scopes: ScopeArgs): AuthMiddleware {
  return guard(createGuard("requireAnyScope", scopes));
}

/**
 * Answers 401 `invalid_token` ("A required claim is missing or not accepted") unless `check` accepts
 * the token's claims. For rules that hold on every route, prefer the verifier's `requiredClaims`.
 * @example app.get("/acme", requireClaims((claims) => claims.tenant === "acme"), handler);
 */
export function requireClaims(check: ClaimCheck): AuthMiddleware {
  return guard(createGuard("requireClaims", [check]));
}

export type { AuthResult, ClaimCheck, ScopeArgs, Verifier, VerifierOptions } from "@resource-guard/core";
export { toHTTPException } from "./http-exception.js";
