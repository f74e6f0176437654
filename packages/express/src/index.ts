/**
 * @resource-guard/express: Express 4 and 5 middleware over @resource-guard/core. It holds no
 * verification logic: `bearerAuth` hands the request to the core verifier and stores the result on
 * `req.auth`; `requireScopes`, `requireAnyScope` and `requireClaims` check that result with core's
 * assertions. Every failure is core's HttpError passed to `next(err)`, so Express's default handler
 * answers with `err.status` and `err.headers` (RFC 6750 §3) and a custom handler can read `err.code`.
 * The middleware never writes an error response itself; `protectedResourceMetadata` writes the RFC 9728
 * document exactly as core's `metadataResponse` computes it.
 *
 * Types are structural (node's IncomingMessage/ServerResponse), so the declarations fit both
 * `@types/express` 4 and 5; `req.auth` is typed through the global `Express.Request` interface.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
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
  type RouteGuard,
  resolveBearerAuth,
  resolveVerifier,
  type ScopeArgs,
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

/**
 * Options of `bearerAuth`: every `createVerifier` option, or `{ verifier }` to share a built one; and
 * `credentialsRequired: false` to let requests without credentials through with `req.auth` unset
 * (requests with bad credentials still fail).
 */
export type BearerAuthOptions = VerifierOrOptions & {
  credentialsRequired?: boolean;
  /**
   * Scopes every request through this middleware must hold (all of them), for a route guarded on its
   * own: `app.post("/mcp", bearerAuth({ verifier, scopes: ["mcp:tools"] }), handler)`. Because they are
   * known before the token is read, a 401 carries them in its `scope` parameter (RFC 9728 §5.1, the MCP
   * authorization spec), so clients ask for the right scopes at once; a token without them is a 403.
   */
  scopes?: string | readonly string[];
};

/** The request as this middleware sees it; Express's `Request` fits it in Express 4 and 5. */
export interface AuthRequest extends IncomingMessage {
  auth?: AuthResult | undefined;
  body?: unknown;
}

/** The parts of Express's request (4 and 5) the absolute URL is built from. */
interface ExpressRequestParts {
  protocol?: string;
  originalUrl?: string;
  app?: { get(name: string): unknown };
}

/**
 * The absolute URL as Express reconstructs it under its `trust proxy` setting: `req.protocol`, the host
 * as Express 5's `req.host` takes it (X-Forwarded-Host only from a trusted proxy, else Host, port kept;
 * Express 4's `req.host` drops the port, so the rule is applied here for both), and `req.originalUrl`,
 * which keeps a router's mount path.
 */
function absoluteUrl(req: AuthRequest): string | undefined {
  const parts = req as AuthRequest & ExpressRequestParts;
  const trust = parts.app?.get("trust proxy fn") as
    | ((address: string | undefined, hop: number) => boolean)
    | undefined;
  let host = req.headers["x-forwarded-host"];
  if (typeof host === "string" && host !== "" && trust?.(req.socket?.remoteAddress, 0) === true) {
    const comma = host.indexOf(",");
    if (comma !== -1) host = host.slice(0, comma).trimEnd();
  } else host = req.headers.host;
  if (typeof host !== "string" || host === "") return undefined;
  return `${parts.protocol ?? "http"}://${host}${parts.originalUrl ?? req.url ?? "/"}`;
}

const READERS: AuthenticateOptions<AuthRequest> = Object.freeze({
  absoluteUrl,
  clientCertificate: (req: AuthRequest) => peerCertificateOf(req.socket),
});

/** An Express middleware (structural, so it does not tie our types to one `@types/express` major). */
export type AuthMiddleware = (req: AuthRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Verifies the bearer token of every request and sets `req.auth`; failures go to `next(err)`.
 * @example app.use(bearerAuth({ issuer: "https://idp.example.com", audience: "https://api.example.com" }));
 */
export function bearerAuth(options: BearerAuthOptions): AuthMiddleware {
  const { verifier, required, readers } = resolveBearerAuth(options, READERS);
  // Hands the result on: the synchronous path (a cached token) makes no promise and no closure.
  const accept = (
    req: AuthRequest,
    res: ServerResponse,
    next: (err?: unknown) => void,
    auth: AuthResult | undefined,
  ) => {
    req.auth = auth;
    if (auth === undefined) markAnonymous(req, verifier.challenge);
    else if (auth.responseHeaders !== undefined)
      for (const [name, value] of Object.entries(auth.responseHeaders)) res.setHeader(name, value);
    if (required !== undefined) {
      try {
        required.check(auth, "req.auth");
      } catch (err) {
        return next(err);
      }
    }
    next();
  };
  return (req, res, next) => {
    if (isCorsPreflight(req)) return next();
    // Core reads the query from `req.url`, so Express 4's qs and Express 5's parser answer alike.
    let result: AuthResult | Promise<AuthResult>;
    try {
      result = verifier.authenticateMaybeSync(req, readers);
    } catch (err) {
      return next(err);
    }
    if (!(result instanceof Promise)) return accept(req, res, next, result);
    // Express 4 never catches a rejected promise, so the rejection is handed to next() here.
    result.then(
      (auth) => accept(req, res, next, auth),
      (err: unknown) => next(err),
    );
  };
}

/**
 * Serves the verifier's protected resource metadata (RFC 9728) at `verifier.resourceMetadata.path`:
 * `GET`/`HEAD` get the JSON document (cacheable, `Access-Control-Allow-Origin: *`), `OPTIONS` a CORS
 * preflight answer (204), other methods 405; every other request is passed on. Mount it before
 * `bearerAuth`, with the same verifier, so the document needs no token. Needs the `resource` option.
 * @example
 * const verifier = createVerifier({ issuer, resource: "https://api.example.com/mcp" });
 * app.use(protectedResourceMetadata({ verifier }));
 * app.use(bearerAuth({ verifier }));
 */
export function protectedResourceMetadata(options: VerifierOrOptions): AuthMiddleware {
  const verifier = resolveVerifier(options, "protectedResourceMetadata()");
  if (verifier.resourceMetadata === undefined)
    throw new TypeError(
      'resource-guard: protectedResourceMetadata() needs the "resource" option: the identifier clients use for this API, such as "https://api.example.com/mcp"',
    );
  return (req, res, next) => {
    // originalUrl: the document lives at the host's root path whatever router this is mounted on.
    const url = (req as AuthRequest & ExpressRequestParts).originalUrl ?? req.url;
    const answer = metadataResponse(verifier, { method: req.method, url });
    if (answer === undefined) return next();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body ?? undefined);
  };
}

const NO_AUTH = "req.auth; add app.use(bearerAuth(options)) before this route";

function guard(built: RouteGuard): AuthMiddleware {
  return (req, _res, next) => {
    try {
      built.check(req.auth, NO_AUTH, req.auth == null ? anonymousContextOf(req) : undefined);
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
export { type ErrorMiddleware, errorHandler } from "./error-handler.js";
export { getAuth } from "./get-auth.js";
