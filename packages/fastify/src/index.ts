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
import { configReader } from "./route-config.js";

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

/**
 * What the hook does on one route, worked out once where the route is declared (onRoute): skip it
 * (`config.auth: false`), or authenticate with `readers` and then run `guards` in order: the guard of
 * `config.scopes`, then the plugin's own guards that opened the route's preHandler list.
 */
interface RoutePlan {
  readonly skip: boolean;
  readonly readers: AuthenticateOptions<RequestLike>;
  readonly guards: readonly RouteGuard[];
}

// Where the plugin keeps a route's plan, inside the route's config (Fastify copies it, symbols
// included). A registered symbol, so two copies of the plugin read each other's.
const ROUTE_PLAN: unique symbol = Symbol.for("resource-guard.fastify.route-plan") as never;

interface RouteConfig {
  auth?: boolean;
  scopes?: string | readonly string[];
  [ROUTE_PLAN]?: RoutePlan;
}

/** The guard behind each preHandler `app.requireScopes` and its siblings built. */
const GUARD_OF = new WeakMap<AuthPreHandler, RouteGuard>();

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
  const plain: RoutePlan = Object.freeze({ skip: false, readers, guards: [] });
  const skipped: RoutePlan = Object.freeze({ skip: true, readers, guards: [] });
  /**
   * A route's plan. Throws a TypeError for scopes that can never pass, or scopes on a route that opts
   * out. `preHandler` guards are the plugin's own guards that open the route's preHandler list; they
   * run in the hook right after the token is verified, in their order, instead of a hook of their own.
   */
  const planFor = (
    config: RouteConfig | undefined,
    url: string,
    preHandler: readonly RouteGuard[],
  ): RoutePlan => {
    if (config?.auth === false) {
      if (config.scopes === undefined) return skipped;
      throw new TypeError(
        `resource-guard: route ${url} has config.auth false and config.scopes; a route without authentication cannot require scopes`,
      );
    }
    if (config?.scopes === undefined)
      return preHandler.length === 0 ? plain : Object.freeze({ skip: false, readers, guards: preHandler });
    // Validated as `app.requireScopes` validates; the scopes are known before the token is read, so
    // the route's 401s name them too.
    const own = createGuard("requireScopes", [config.scopes]);
    return Object.freeze({
      skip: false,
      readers: Object.freeze({ ...readers, scopes: own.scopes }),
      guards: [own, ...preHandler],
    });
  };
  // Plans of routes declared before the plugin (onRoute never saw them), made on their first request.
  const latePlans = new WeakMap<RouteConfig, RoutePlan>();
  const configOf = configReader<RouteConfig>();
  const planOf = (config: RouteConfig | undefined): RoutePlan => {
    const planned = config?.[ROUTE_PLAN];
    if (planned !== undefined) return planned;
    if (config?.scopes === undefined) return config?.auth === false ? skipped : plain;
    let late = latePlans.get(config);
    if (late === undefined) {
      late = planFor(config, String((config as { url?: unknown }).url), []);
      latePlans.set(config, late);
    }
    return late;
  };
  app.addHook("onRoute", (route: RouteOptions) => {
    const config = route.config as RouteConfig | undefined;
    const handlers = route.preHandler === undefined ? [] : [route.preHandler].flat();
    let leading = 0;
    // Only guards ahead of every other preHandler move, so the user's own preHandlers keep their order.
    if (config?.auth !== false)
      while (leading < handlers.length && GUARD_OF.has(handlers[leading] as AuthPreHandler)) leading++;
    const folded = handlers
      .slice(0, leading)
      .map((handler) => GUARD_OF.get(handler as AuthPreHandler) as RouteGuard);
    const plan = planFor(config, route.url, folded);
    route.config = { ...config, [ROUTE_PLAN]: plan } as RouteOptions["config"];
    if (leading > 0) route.preHandler = leading === handlers.length ? undefined : handlers.slice(leading);
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
    plan: RoutePlan,
  ) => {
    if (auth === undefined) markAnonymous(request, verifier.challenge);
    else {
      request.auth = auth;
      if (auth.responseHeaders !== undefined) reply.headers({ ...auth.responseHeaders });
    }
    // A route's guards need credentials even where the plugin lets requests without them through.
    for (const guard of plan.guards)
      guard.check(auth, "request.auth", auth === undefined ? verifier.challenge : undefined);
  };
  // A callback-style hook: a cached token is handed on synchronously, with no promise at all.
  app.addHook(hook, (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    let plan: RoutePlan;
    let result: AuthResult | Promise<AuthResult>;
    try {
      plan = planOf(configOf(request));
      if (plan.skip || isCorsPreflight(request as unknown as RequestLike)) return done();
      // Core reads the query from the raw `url`, so a custom querystringParser changes nothing.
      result = verifier.authenticateMaybeSync(request as unknown as RequestLike, plan.readers);
      if (!(result instanceof Promise)) accept(request, reply, result, plan);
    } catch (err) {
      return done(err as Error);
    }
    if (!(result instanceof Promise)) return done();
    result.then(
      (auth) => {
        try {
          accept(request, reply, auth, plan);
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
  // On a route declared after the plugin, in its context, the hook runs these guards itself (onRoute
  // above); elsewhere they run as the preHandlers they are.
  const guard = (built: RouteGuard): AuthPreHandler => {
    const preHandler: AuthPreHandler = (request, _reply, done) => {
      try {
        built.check(request.auth, NO_AUTH, request.auth == null ? anonymousContextOf(request) : undefined);
      } catch (err) {
        return done(err as Error);
      }
      done();
    };
    GUARD_OF.set(preHandler, built);
    return preHandler;
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
