/**
 * @resource-guard/koa: Koa 2 and 3 middleware over @resource-guard/core. It holds no verification
 * logic: `bearerAuth` hands `ctx.request` to the core verifier and stores the result on
 * `ctx.state.auth`; `requireScopes`, `requireAnyScope` and `requireClaims` check that result with
 * core's assertions. Failures are thrown as core's HttpErrors, so Koa's default error handling answers
 * with their status and headers (RFC 6750 §3). The middleware never writes an error response itself;
 * `protectedResourceMetadata` sets the RFC 9728 document exactly as core's `metadataResponse` computes it.
 *
 * Koa's `ctx.onerror` removes headers set before the error (CORS ones too) and then sets
 * `err.headers`; apps behind browsers apply CORS in an outer error-catching middleware.
 */
import {
  type AuthenticateOptions,
  type AuthResult,
  anonymousContextOf,
  type ClaimCheck,
  createGuard,
  isCorsPreflight,
  markAnonymous,
  metadataResponse,
  peerCertificateOf,
  type RequestLike,
  type RouteGuard,
  resolveBearerAuth,
  resolveVerifier,
  type ScopeArgs,
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

/**
 * Options of `bearerAuth`: every `createVerifier` option, or `{ verifier }` to share a built one; and
 * `credentialsRequired: false` to let requests without credentials through with `ctx.state.auth` unset
 * (requests with bad credentials still fail).
 */
export type BearerAuthOptions = VerifierOrOptions & {
  credentialsRequired?: boolean;
  /**
   * Scopes every request through this middleware must hold (all of them), for a route guarded on its
   * own: `router.post("/mcp", bearerAuth({ verifier, scopes: ["mcp:tools"] }), handler)`. Because they
   * are known before the token is read, a 401 carries them in its `scope` parameter (RFC 9728 §5.1, the
   * MCP authorization spec), so clients ask for the right scopes at once; a token without them is a 403.
   */
  scopes?: string | readonly string[];
};

/** The request as this middleware sees it; Koa's `ctx.request` fits it in Koa 2 and 3. */
export interface AuthKoaRequest extends Pick<RequestLike, "method" | "body"> {
  headers: Record<string, string | string[] | undefined>;
  url: string;
  protocol?: string;
  host?: string;
  originalUrl?: string;
  socket?: unknown;
}

/** The context as this middleware sees it; Koa's context (and @koa/router's) fits it. */
export interface AuthContext {
  request: AuthKoaRequest;
  state: { auth?: AuthResult | undefined };
  set?(field: Record<string, string>): void;
}

// Koa 3 made `ctx.origin` the client's Origin header, so the URL is built from protocol, host (both
// under Koa's `proxy` setting) and originalUrl (which keeps a router's prefix).
const READERS: AuthenticateOptions<AuthKoaRequest> = Object.freeze({
  absoluteUrl: (request: AuthKoaRequest) =>
    request.protocol && request.host
      ? `${request.protocol}://${request.host}${request.originalUrl ?? request.url}`
      : undefined,
  clientCertificate: (request: AuthKoaRequest) => peerCertificateOf(request.socket),
});

/** A Koa middleware (structural, so it fits Koa 2 and 3 and their routers). */
export type AuthMiddleware = (ctx: AuthContext, next: () => Promise<unknown>) => Promise<void>;

/**
 * Verifies the bearer token of every request and sets `ctx.state.auth`; failures are thrown.
 * @example app.use(bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const { verifier, required, readers } = resolveBearerAuth(options, READERS);
  const accept = (ctx: AuthContext, next: () => Promise<unknown>, auth: AuthResult | undefined) => {
    ctx.state.auth = auth;
    if (auth === undefined) markAnonymous(ctx.state, verifier.challenge);
    else if (auth.responseHeaders !== undefined) ctx.set?.({ ...auth.responseHeaders });
    required?.check(auth, "ctx.state.auth");
    return next() as Promise<void>;
  };
  // Not an async function: a cached token is handed on synchronously, with no promise of our own.
  // A synchronous throw is fine: koa-compose turns it into a rejection.
  return (ctx, next) => {
    if (isCorsPreflight(ctx.request)) return next() as Promise<void>;
    // Core reads the query from `ctx.request.url`, so an app's own query parser changes nothing.
    const result = verifier.authenticateMaybeSync(ctx.request, readers);
    if (result instanceof Promise) return result.then((auth) => accept(ctx, next, auth));
    return accept(ctx, next, result);
  };
}

/** The context as `protectedResourceMetadata` sees it; Koa's context fits it. */
export interface MetadataContext {
  method: string;
  url: string;
  originalUrl?: string;
  status: number;
  body: unknown;
  set(field: Record<string, string>): void;
}

/**
 * Serves the verifier's protected resource metadata (RFC 9728) at `verifier.resourceMetadata.path`:
 * `GET`/`HEAD` get the JSON document (cacheable, `Access-Control-Allow-Origin: *`), `OPTIONS` a CORS
 * preflight answer (204), other methods 405; every other request goes on to `next()`. Mount it before
 * `bearerAuth`, with the same verifier, so the document needs no token. Needs the `resource` option.
 * @example
 * const verifier = createVerifier({ issuer, resource: "https://api.example.com/mcp" });
 * app.use(protectedResourceMetadata({ verifier }));
 * app.use(bearerAuth({ verifier }));
 */
export function protectedResourceMetadata(
  options: VerifierOrOptions,
): (ctx: MetadataContext, next: () => Promise<unknown>) => Promise<void> {
  const verifier = resolveVerifier(options, "protectedResourceMetadata()");
  if (verifier.resourceMetadata === undefined)
    throw new TypeError(
      'resource-guard: protectedResourceMetadata() needs the "resource" option: the identifier clients use for this API, such as "https://api.example.com/mcp"',
    );
  // Not an async function, like bearerAuth: every request of the app passes through here.
  return (ctx, next) => {
    // originalUrl: the document lives at the host's root path whatever prefix this is mounted under.
    const answer = metadataResponse(verifier, { method: ctx.method, url: ctx.originalUrl ?? ctx.url });
    if (answer === undefined) return next() as Promise<void>;
    ctx.status = answer.status;
    // Koa would turn a null body into 204, so HEAD keeps no body and only its headers; Koa ends a HEAD
    // response without one and keeps the Content-Length set below.
    if (answer.body !== null) ctx.body = answer.body;
    // After the body, which sets its own Content-Type and Content-Length.
    ctx.set({ ...answer.headers });
    return Promise.resolve();
  };
}

const NO_AUTH = "ctx.state.auth; add app.use(bearerAuth(options)) before it";

function guard(built: RouteGuard): AuthMiddleware {
  return (ctx, next) => {
    built.check(ctx.state.auth, NO_AUTH, ctx.state.auth == null ? anonymousContextOf(ctx.state) : undefined);
    return next() as Promise<void>;
  };
}

/**
 * Throws 403 `insufficient_scope` unless the token holds every listed scope (whole words).
 * @example router.get("/orders", requireScopes("orders:read"), handler);
 */
export function requireScopes(...scopes: ScopeArgs): AuthMiddleware {
  return guard(createGuard("requireScopes", scopes));
}

/**
 * Throws 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example router.get("/orders", requireAnyScope("orders:read", "orders:admin"), handler);
 */
export function requireAnyScope(...scopes: ScopeArgs): AuthMiddleware {
  return guard(createGuard("requireAnyScope", scopes));
}

/**
 * Throws 401 `invalid_token` ("A required claim is missing or not accepted") unless `check` returns
 * true for the token's claims. For rules that hold on every route, prefer the verifier's `requiredClaims`.
 * @example router.get("/acme", requireClaims((claims) => claims.tenant === "acme"), handler);
 */
export function requireClaims(check: ClaimCheck): AuthMiddleware {
  return guard(createGuard("requireClaims", [check]));
}

export type { AuthResult, ClaimCheck, ScopeArgs, Verifier, VerifierOptions } from "@resource-guard/core";
export { type ErrorContext, type ErrorMiddleware, errorHandler } from "./error-handler.js";
export { getAuth } from "./get-auth.js";
