/**
 * @resource-guard/fastify: a Fastify 4 and 5 plugin over @resource-guard/core. It holds no
 * verification logic: a hook hands the request to the core verifier and stores the result on
 * `request.auth`; `app.requireScopes`, `app.requireAnyScope` and `app.requireClaims` build preHandlers
 * that check it with core's assertions. Failures are core's HttpErrors thrown from hooks, so Fastify's
 * error handling answers with their status and headers (RFC 6750 §3); the plugin never writes a reply.
 *
 * Wrapped in fastify-plugin, so the hook covers every route of the registering context and its
 * children, declared before or after `register` (Fastify attaches a context's hooks to its routes when
 * the app is ready), and not sibling contexts. A route opts out with `config: { auth: false }`,
 * or names the scopes it needs with `config: { scopes: [...] }` so that its 401s carry them.
 *
 * With the `resource` option the plugin also serves the RFC 9728 document at
 * `verifier.resourceMetadata.path`, without authentication, writing core's `metadataResponse` as is.
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
  resolveVerifier,
  type ScopeArgs,
  type VerifierOrOptions,
} from "@resource-guard/core";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { claimContext } from "./registration.js";

/** A preHandler built by `app.requireScopes` and its siblings (callback style: no promise per request). */
export type AuthPreHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: (err?: Error) => void,
) => void;

declare module "fastify" {
  interface FastifyRequest {
    /** The verified token; null on routes that opted out with `config: { auth: false }`. */
    auth: AuthResult | null;
  }
  interface FastifyInstance {
    /** A preHandler answering 403 `insufficient_scope` unless the token holds every listed scope. */
    requireScopes(...scopes: ScopeArgs): AuthPreHandler;
    /** A preHandler answering 403 `insufficient_scope` unless the token holds one listed scope. */
    requireAnyScope(...scopes: ScopeArgs): AuthPreHandler;
    /** A preHandler answering 401 `invalid_token` unless `check` returns true for the claims. */
    requireClaims(check: ClaimCheck): AuthPreHandler;
  }
  interface FastifyContextConfig {
    /** `false` lets the route through without a token (`request.auth` stays null). */
    auth?: boolean;
    /**
     * Scopes the route requires (all of them), checked by the plugin's hook: known before the token is
     * read, they go into the `scope` parameter of the route's 401s (RFC 9728 §5.1, the MCP
     * authorization spec) as well as its 403.
     */
    scopes?: string | readonly string[];
  }
}

/** Plugin options: every `createVerifier` option, or `{ verifier }` to share a built one. */
export type ResourceGuardOptions = VerifierOrOptions & {
  /**
   * The hook that authenticates. Default `onRequest` (before the body is parsed), or `preValidation`
   * when `allowFormBodyToken` is set, because a form-body token (RFC 6750 §2.2) needs the parsed body.
   */
  hook?: "onRequest" | "preValidation";
  /** `false` lets requests without credentials through with `request.auth` null (bad credentials still fail). */
  credentialsRequired?: boolean;
};

// Options Fastify itself reads from `register(plugin, opts)`; core would refuse them as unknown.
const FASTIFY_OPTION_NAMES = new Set(["prefix", "logLevel", "logSerializers"]);

// Fastify 5's `request.host` keeps the port; Fastify 4 has no `host`, and its `hostname` keeps the port.
// Both honour the `trustProxy` setting; `request.url` is the full URL, prefixes included.
const READERS: AuthenticateOptions<FastifyRequest> = Object.freeze({
  absoluteUrl: (request: FastifyRequest) => {
    const host = (request as { host?: string }).host ?? request.hostname;
    return host ? `${request.protocol}://${host}${request.url}` : undefined;
  },
  clientCertificate: (request: FastifyRequest) => peerCertificateOf(request.raw.socket),
});

/** A route's `config.scopes`, validated once where the route is declared. */
interface RouteScopes {
  readonly guard: RouteGuard;
  readonly readers: AuthenticateOptions<RequestLike>;
}

// Where the plugin keeps a route's validated scopes, inside the route's config (Fastify copies it,
// symbols included). A registered symbol, so two copies of the plugin read each other's.
const ROUTE_SCOPES: unique symbol = Symbol.for("resource-guard.fastify.route-scopes") as never;

interface RouteConfig {
  auth?: boolean;
  scopes?: string | readonly string[];
  [ROUTE_SCOPES]?: RouteScopes;
}

// Fastify 5 (and 4.10+) expose the route config on routeOptions; older 4.x only on context.
function configOf(request: FastifyRequest): RouteConfig | undefined {
  const legacy = request as unknown as { context?: { config?: RouteConfig } };
  return (request.routeOptions?.config as RouteConfig | undefined) ?? legacy.context?.config;
}

const plugin: FastifyPluginAsync<ResourceGuardOptions> = async (app, options) => {
  const { hook: named, credentialsRequired, ...rest } = options;
  const own = Object.fromEntries(Object.entries(rest).filter(([name]) => !FASTIFY_OPTION_NAMES.has(name)));
  claimContext(app);
  const verifier = resolveVerifier(own as VerifierOrOptions, "register(resourceGuard)");
  const hook = named ?? (own.allowFormBodyToken === true ? "preValidation" : "onRequest");
  if (hook !== "onRequest" && hook !== "preValidation") {
    throw new TypeError('resource-guard: "hook" must be "onRequest" or "preValidation"');
  }

  // null, never an object: a decorated object would be shared by every request.
  app.decorateRequest("auth", null);
  const readers = (
    credentialsRequired === false ? { ...READERS, credentialsRequired } : READERS
  ) as AuthenticateOptions<RequestLike>;
  // onRoute: validates a route's `config.scopes` once, as `app.requireScopes` does, and keeps the result.
  app.addHook("onRoute", (route: RouteOptions) => {
    const config = route.config as RouteConfig | undefined;
    if (config?.scopes === undefined) return;
    if (config.auth === false)
      throw new TypeError(
        `resource-guard: route ${route.url} has config.auth false and config.scopes; a route without authentication cannot require scopes`,
      );
    const guard = createGuard("requireScopes", [config.scopes]);
    const scoped: RouteScopes = Object.freeze({
      guard,
      readers: Object.freeze({ ...readers, scopes: guard.scopes }),
    });
    route.config = { ...config, [ROUTE_SCOPES]: scoped } as RouteOptions["config"];
  });
  if (verifier.resourceMetadata !== undefined) {
    // Its own onRequest hook, before authentication and whatever `hook` is: the document is public,
    // and unknown paths (which it is, unless the app declares it) only run onRequest hooks.
    app.addHook("onRequest", (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const answer = metadataResponse(verifier, request);
      if (answer === undefined) return done();
      // Bytes, not a string: Fastify would add a charset to the media type of a string payload.
      reply
        .code(answer.status)
        .headers({ ...answer.headers })
        .send(answer.body === null ? undefined : Buffer.from(answer.body));
    });
  }
  const accept = (
    request: FastifyRequest,
    reply: FastifyReply,
    auth: AuthResult | undefined,
    scoped: RouteScopes | undefined,
  ) => {
    if (auth === undefined) markAnonymous(request, verifier.challenge);
    else {
      request.auth = auth;
      if (auth.responseHeaders !== undefined) reply.headers({ ...auth.responseHeaders });
    }
    // A route's own scopes need credentials even where the plugin lets requests without them through.
    scoped?.guard.check(auth, "request.auth", auth === undefined ? verifier.challenge : undefined);
  };
  // A callback-style hook: a cached token is handed on synchronously, with no promise at all.
  app.addHook(hook, (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const config = configOf(request);
    if (config?.auth === false || isCorsPreflight(request as unknown as RequestLike)) return done();
    const scoped = config?.[ROUTE_SCOPES];
    // Core reads the query from the raw `url`, so a custom querystringParser changes nothing.
    let result: AuthResult | Promise<AuthResult>;
    try {
      result = verifier.authenticateMaybeSync(request as unknown as RequestLike, scoped?.readers ?? readers);
      if (!(result instanceof Promise)) accept(request, reply, result, scoped);
    } catch (err) {
      return done(err as Error);
    }
    if (!(result instanceof Promise)) return done();
    result.then(
      (auth) => {
        try {
          accept(request, reply, auth, scoped);
        } catch (err) {
          return done(err as Error);
        }
        done();
      },
      (err: Error) => done(err),
    );
  });

  const NO_AUTH =
    "request.auth; the route has config.auth false or the plugin is not registered in its context";
  const guard =
    (built: RouteGuard): AuthPreHandler =>
    (request, _reply, done) => {
      try {
        built.check(request.auth, NO_AUTH, request.auth == null ? anonymousContextOf(request) : undefined);
      } catch (err) {
        return done(err as Error);
      }
      done();
    };
  app.decorate("requireScopes", (...scopes: ScopeArgs) => guard(createGuard("requireScopes", scopes)));
  app.decorate("requireAnyScope", (...scopes: ScopeArgs) => guard(createGuard("requireAnyScope", scopes)));
  app.decorate("requireClaims", (check: ClaimCheck) => guard(createGuard("requireClaims", [check])));
};

/**
 * The plugin. Every route of the context it is registered in (and of its children), declared before or
 * after it, requires a valid bearer token unless the route opts out with `config: { auth: false }`.
 * @example
 * await app.register(resourceGuard, { issuer: "https://idp.example.com", audience: "https://api.example.com" });
 * app.get("/orders", { preHandler: app.requireScopes("orders:read") }, handler);
 */
export const resourceGuard = fp(plugin, { fastify: "4.x || 5.x", name: "@resource-guard/fastify" });
export default resourceGuard;

export type { AuthResult, ClaimCheck, ScopeArgs, Verifier, VerifierOptions } from "@resource-guard/core";
export { type ErrorHandler, errorHandler } from "./error-handler.js";
export { getAuth } from "./get-auth.js";
