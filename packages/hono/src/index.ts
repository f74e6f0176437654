/**
 * @resource-guard/hono: Hono 4 middleware over @resource-guard/core, on every runtime Hono runs on
 * (Node through @hono/node-server, Bun, Deno). It holds no verification logic: `bearerAuth` hands the
 * Fetch request to the core verifier and stores the result as `c.get("auth")`; `requireScopes`,
 * `requireAnyScope` and `requireClaims` check that result with core's guards. Failures are thrown as
 * Hono `HTTPException`s carrying a complete response (status, `WWW-Authenticate` or `Retry-After`,
 * a JSON body), so Hono's error handling answers them (RFC 6750 §3); these middleware never return a
 * response of their own. `protectedResourceMetadata` (metadata.ts) answers the RFC 9728 document.
 *
 * `c.get("auth")` is typed through Hono's variable map: the middleware are `MiddlewareHandler<
 * ResourceGuardEnv>`, so routes chained after them (or an app built as `new Hono<ResourceGuardEnv>()`)
 * see `AuthResult`; after `bearerAuth({ credentialsRequired: false })` it is `AuthResult | undefined`.
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
  resolveBearerAuth,
  type ScopeArgs,
  type VerifierOrOptions,
} from "@resource-guard/core";
import type { Context, MiddlewareHandler, Next } from "hono";
import { toHTTPException } from "./http-exception.js";
import { RawHeaderView, rawHeadersOf } from "./node-headers.js";

/** The variables `bearerAuth` sets on the context. */
export interface AuthVariables {
  /** The verified token. */
  auth: AuthResult;
}

/** The Hono environment of an app (or route) behind `bearerAuth`: `c.get("auth")` is an AuthResult. */
export type ResourceGuardEnv = { Variables: AuthVariables };

/** The variables of `bearerAuth({ credentialsRequired: false })`: `c.get("auth")` may be undefined. */
export interface OptionalAuthVariables {
  /** The verified token; undefined when the request came without credentials. */
  auth?: AuthResult;
}

/** The Hono environment of a route behind optional authentication: `c.get("auth")` may be undefined. */
export type OptionalAuthEnv = { Variables: OptionalAuthVariables };

/** Options of `bearerAuth`: every `createVerifier` option, or `{ verifier }` to share a built one. */
export type BearerAuthOptions = VerifierOrOptions & {
  /** `false` lets requests without credentials through with `c.get("auth")` undefined (bad ones still fail). */
  credentialsRequired?: boolean;
  /**
   * Scopes every request through this middleware must hold (all of them), for a route guarded on its
   * own: `app.post("/mcp", bearerAuth({ verifier, scopes: ["mcp:tools"] }), handler)`. Because they are
   * known before the token is read, a 401 carries them in its `scope` parameter (RFC 9728 §5.1, the MCP
   * authorization spec), so clients ask for the right scopes at once; a token without them is a 403.
   */
  scopes?: string | readonly string[];
};

/** A middleware of this package; its environment types `c.get("auth")` on the routes after it. */
export type AuthMiddleware = MiddlewareHandler<ResourceGuardEnv>;

/** `bearerAuth({ credentialsRequired: false })`: routes after it see `c.get("auth")` as possibly undefined. */
export type OptionalAuthMiddleware = MiddlewareHandler<OptionalAuthEnv>;

/** The request as core reads it, plus the runtime's bindings (where Node keeps the socket). */
interface HonoRequestLike extends RequestLike {
  env: unknown;
}

/** @hono/node-server's bindings: the Node request (`c.env.incoming`, or under `server` when wrapped). */
interface NodeBindings {
  incoming?: NodeIncoming;
  server?: { incoming?: NodeIncoming };
}

interface NodeIncoming {
  socket?: unknown;
  rawHeaders?: unknown;
}

function incomingOf(env: unknown): NodeIncoming | undefined {
  const bindings = env as NodeBindings | undefined;
  return bindings?.incoming ?? bindings?.server?.incoming;
}

// Hono's request URL is absolute (scheme, host, path, query), so core reads DPoP's `htu` from it.
// Only @hono/node-server exposes the TLS socket; Bun.serve and Deno.serve give handlers no certificate.
const READERS: AuthenticateOptions<HonoRequestLike> = Object.freeze({
  clientCertificate: (request: HonoRequestLike) => peerCertificateOf(incomingOf(request.env)?.socket),
});

/**
 * The request as core reads it. Its URL and method are read from Hono's request only when core asks:
 * on Node, @hono/node-server builds the absolute URL on first reading (a `new URL` per request), and
 * a cached bearer token never needs it (only DPoP's `htu` and query tokens do). Its headers there are
 * a view of Node's raw header list (node-headers.ts), made once. Getters on a class, not an object
 * literal with getters: every instance shares one shape.
 */
class RequestView implements HonoRequestLike {
  // Core calls only `get` on a request's Headers; it reads `headers` more than once per request.
  readonly headers: Headers;
  constructor(
    private readonly raw: Request,
    readonly body: unknown,
    readonly env: unknown,
  ) {
    const list = rawHeadersOf(incomingOf(env));
    this.headers = list === undefined ? raw.headers : (new RawHeaderView(list) as unknown as Headers);
  }
  get method(): string {
    return this.raw.method;
  }
  get url(): string {
    return this.raw.url;
  }
}

function isFormRequest(request: Request): boolean {
  if (request.method === "GET" || request.method === "HEAD") return false;
  const type = request.headers.get("content-type");
  return type !== null && type.toLowerCase().split(";")[0]?.trim() === "application/x-www-form-urlencoded";
}

function rethrow(err: unknown): never {
  throw toHTTPException(err);
}

/**
 * Verifies the bearer token of every request and sets `c.get("auth")`; failures are thrown as
 * `HTTPException`s whose response carries the status, headers and a JSON body. With `scopes`, the
 * route's own authentication: its 401s name the scopes and a token without them is a 403.
 * @example app.use("/api/*", bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(
  options: BearerAuthOptions & { credentialsRequired: false; scopes?: undefined },
): OptionalAuthMiddleware;
export function bearerAuth(options: BearerAuthOptions & { credentialsRequired?: true }): AuthMiddleware;
export function bearerAuth(options: BearerAuthOptions): OptionalAuthMiddleware;
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware | OptionalAuthMiddleware {
  const { verifier, required, readers } = resolveBearerAuth(options, READERS);
  // RFC 6750 §2.2 form-body tokens need the parsed body; it is read (and cached by Hono for the
  // route) only when these options turn the method on, so no other request body is read before
  // its sender is authenticated.
  const formBody =
    options !== null &&
    typeof options === "object" &&
    !("verifier" in options) &&
    (options as { allowFormBodyToken?: boolean }).allowFormBodyToken === true;

  const accept = (c: Context<ResourceGuardEnv>, next: Next, auth: AuthResult | undefined) => {
    if (auth === undefined) markAnonymous(c.req.raw, verifier.challenge);
    else {
      c.set("auth", auth);
      if (auth.responseHeaders !== undefined)
        for (const [name, value] of Object.entries(auth.responseHeaders)) c.header(name, value);
    }
    if (required !== undefined) {
      try {
        required.check(auth, 'c.get("auth")');
      } catch (err) {
        rethrow(err);
      }
    }
    return next();
  };
  // Not an async function: a cached token is handed on synchronously, with no promise of our own
  // (Hono's compose awaits whatever a middleware returns and catches what it throws).
  const run = (c: Context<ResourceGuardEnv>, next: Next, body: unknown) => {
    const request = new RequestView(c.req.raw, body, c.env);
    let result: AuthResult | Promise<AuthResult>;
    try {
      result = verifier.authenticateMaybeSync(request, readers);
    } catch (err) {
      rethrow(err);
    }
    if (result instanceof Promise) return result.then((auth) => accept(c, next, auth), rethrow);
    return accept(c, next, result);
  };
  const middleware: AuthMiddleware = (c, next) => {
    const raw = c.req.raw;
    if (isCorsPreflight(raw)) return next();
    if (formBody && isFormRequest(raw)) return c.req.parseBody().then((body) => run(c, next, body));
    return run(c, next, undefined);
  };
  return middleware;
}

const NO_AUTH = 'c.get("auth"); add app.use(bearerAuth(options)) before this route';

// Not async: a passing check hands Hono the next middleware's promise, and makes none of its own.
function guard(built: RouteGuard): AuthMiddleware {
  return (c, next) => {
    try {
      const auth = c.get("auth");
      // Who let the request through without credentials matters only when it has none.
      built.check(auth, NO_AUTH, auth == null ? anonymousContextOf(c.req.raw) : undefined);
    } catch (err) {
      rethrow(err);
    }
    return next();
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
export { protectedResourceMetadata } from "./metadata.js";
