/**
 * The HTTP servers the bench compares, one builder per configuration. Every server answers
 * `GET /orders` with the same small JSON body; the authenticated ones put their middleware in front of
 * it, configured alike: the bench issuer, audience, RS256 only, and the IdP's JWKS URI (each library
 * with its own JWKS client and its documented default cache). Bare servers are the ceiling: what the
 * framework does with no verification at all.
 */
import type { Server } from "node:http";
import type { JwsAlgorithm } from "@resource-guard/core";
import { HONO_NEST_CONFIGS } from "./http-apps-hono-nest.js";
import { createLimitVerifier, type LimitVerify } from "./limit-verifier.js";

export interface AppSettings {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** The bench's RFC 7662 endpoint (bench/introspection-endpoint.ts), for the `*-rg-opaque` servers. */
  introspectionEndpoint?: string;
}

export type Framework = "express" | "koa" | "fastify" | "hono" | "nestjs-express" | "nestjs-fastify";

export interface AppConfig {
  id: string;
  label: string;
  framework: Framework;
  /** True for the framework with no verification (the ceiling the others are compared to). */
  bare?: boolean;
  /** True for our own adapters. */
  ours?: boolean;
  /** True for the framework plus the minimal verifier of bench/limit-verifier.ts (the yardstick). */
  limit?: boolean;
  /** Sent opaque tokens (answered by introspection) instead of JWTs. */
  opaque?: boolean;
  /** Token mixes this server is measured with (default: all). */
  modes?: readonly ("hot" | "rotating" | "distinct")[];
  build(settings: AppSettings): Promise<Server>;
}

const BODY = { ok: true };
const ALGORITHMS: JwsAlgorithm[] = ["RS256"];

// The peer libraries and frameworks have no types reachable from bench/ (their @types packages are
// devDependencies elsewhere), so these builders treat them as untyped.
// biome-ignore lint/suspicious/noExplicitAny: untyped peer modules
type Untyped = any;

/** Imports a module whose types bench/ cannot see (a computed specifier keeps tsc from looking). */
const importUntyped = (name: string): Promise<Untyped> => import(name);

async function listenExpress(app: Untyped): Promise<Server> {
  return new Promise((resolve) => {
    const server: Server = app.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** The scope every measured route requires, as the README's routes do. */
const SCOPE = "orders:read";

/**
 * An Express app as the README writes one: the authentication middleware, the route with its scope
 * check, and the README's JSON error handler (status, headers, `{ error, message }`).
 */
async function expressApp(middleware?: Untyped, scopeCheck?: Untyped): Promise<Untyped> {
  const { default: express } = await importUntyped("express");
  const app = express();
  // The default handler logs every error outside "test"; a 401 is not news here.
  app.set("env", "test");
  if (middleware) app.use(middleware);
  const handler = (_req: Untyped, res: Untyped) => res.json(BODY);
  if (scopeCheck) app.get("/orders", scopeCheck, handler);
  else app.get("/orders", handler);
  app.use((err: Untyped, _req: Untyped, res: Untyped, next: (err: unknown) => void) => {
    if (typeof err.status !== "number") return next(err);
    res
      .status(err.status)
      .set(err.headers ?? {})
      .json({ error: err.code ?? "unauthorized", message: err.message });
  });
  return app;
}

/** An Express scope check for the peers that ship none: 403 without the scope. */
function expressScope(read: (req: Untyped) => string | undefined): Untyped {
  return (req: Untyped, res: Untyped, next: () => void) => {
    if ((read(req) ?? "").split(" ").includes(SCOPE)) return next();
    res.status(403).json({ error: "insufficient_scope" });
  };
}

/** A Koa app as the README writes one: @koa/router, the authentication middleware, the scoped route. */
async function koaApp(middleware?: Untyped, scopeCheck?: Untyped): Promise<Server> {
  const { default: Koa } = await importUntyped("koa");
  const { default: Router } = await importUntyped("@koa/router");
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  const handler = (ctx: Untyped) => {
    ctx.body = BODY;
  };
  if (scopeCheck) router.get("/orders", scopeCheck, handler);
  else router.get("/orders", handler);
  if (middleware) app.use(middleware);
  app.use(router.routes());
  return new Promise((resolve) => {
    const server: Server = app.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** A Koa scope check for the peers that ship none. */
function koaScope(read: (ctx: Untyped) => string | undefined): Untyped {
  return (ctx: Untyped, next: () => Promise<void>) => {
    if ((read(ctx) ?? "").split(" ").includes(SCOPE)) return next();
    ctx.status = 403;
    ctx.body = { error: "insufficient_scope" };
  };
}

/** A Fastify app: `register` installs authentication and returns the route's preHandler, if any. */
async function fastifyApp(register?: (app: Untyped) => Promise<Untyped>): Promise<Server> {
  const { default: Fastify } = await import("fastify");
  const app = Fastify({ logger: false });
  const preHandler = register ? await register(app) : undefined;
  if (preHandler) app.get("/orders", { preHandler }, async () => BODY);
  else app.get("/orders", async () => BODY);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app.server as Server;
}

/** A Fastify scope check for the peers that ship none. */
function fastifyScope(read: (request: Untyped) => string | undefined): Untyped {
  return async (request: Untyped, reply: Untyped) => {
    if (!(read(request) ?? "").split(" ").includes(SCOPE))
      return reply.code(403).send({ error: "insufficient_scope" });
  };
}

/** The settings every verifier here is built from (the introspection endpoint is for the opaque ones). */
function jwtSettings({ issuer, audience, jwksUri }: AppSettings) {
  return { issuer, audience, jwksUri };
}

/** The limit verifier for the bench settings; RS256 only, like every server here. */
function limitFor(s: AppSettings): Promise<LimitVerify> {
  return createLimitVerifier(s.jwksUri, { issuer: s.issuer, audience: s.audience, algorithms: ALGORITHMS });
}

/** The token of `Authorization: Bearer <token>`, or undefined (the limit does no more than this). */
function bearer(header: string | undefined): string | undefined {
  return header?.startsWith("Bearer ") ? header.slice(7) : undefined;
}

// The limit over HTTP only makes sense where nothing can be cached: all-distinct tokens.
const DISTINCT_ONLY = ["distinct"] as const;
// Opaque tokens are compared with JWTs where both are answered from a cache: hot and rotating.
const CACHED_ONLY = ["hot", "rotating"] as const;

/**
 * resource-guard with opaque tokens: the same options plus introspection at the bench endpoint. The
 * answers are kept for the whole run (maxCacheMs at its 1 h maximum, the endpoint's exp an hour
 * ahead) and the budget lets the warm-up fill the cache at once, so measured rounds send no call at
 * all: what is measured is a request answered from the introspection cache.
 */
function opaqueOptions(s: AppSettings) {
  if (!s.introspectionEndpoint) throw new Error("no introspection endpoint");
  return {
    ...jwtSettings(s),
    algorithms: ALGORITHMS,
    outboundBudget: { requestsPerSecond: 5000, burst: 5000 },
    introspection: {
      endpoint: s.introspectionEndpoint,
      clientId: "bench-api",
      clientSecret: "bench-secret",
      maxCacheMs: 3_600_000,
    },
  };
}

export const APP_CONFIGS: readonly AppConfig[] = [
  {
    id: "express",
    label: "Express (bare)",
    framework: "express",
    bare: true,
    build: async () => listenExpress(await expressApp()),
  },
  {
    id: "express-rg",
    label: "Express + resource-guard",
    framework: "express",
    ours: true,
    async build(s) {
      const { bearerAuth, requireScopes } = await import("@resource-guard/express");
      return listenExpress(
        await expressApp(bearerAuth({ ...jwtSettings(s), algorithms: ALGORITHMS }), requireScopes(SCOPE)),
      );
    },
  },
  {
    id: "express-rg-opaque",
    label: "Express + resource-guard, opaque tokens (cached introspection)",
    framework: "express",
    ours: true,
    opaque: true,
    modes: CACHED_ONLY,
    async build(s) {
      const { bearerAuth, requireScopes } = await import("@resource-guard/express");
      return listenExpress(await expressApp(bearerAuth(opaqueOptions(s)), requireScopes(SCOPE)));
    },
  },
  {
    id: "express-limit",
    label: "Express + limit verifier",
    framework: "express",
    limit: true,
    modes: DISTINCT_ONLY,
    async build(s) {
      const verify = await limitFor(s);
      const mw = (req: Untyped, res: Untyped, next: () => void) => {
        try {
          req.auth = verify(bearer(req.headers.authorization) ?? "");
        } catch {
          res.status(401).end();
          return;
        }
        next();
      };
      return listenExpress(
        await expressApp(
          mw,
          expressScope((req) => req.auth?.scope),
        ),
      );
    },
  },
  {
    id: "express-oauth2-jwt-bearer",
    label: "express-oauth2-jwt-bearer",
    framework: "express",
    async build(s) {
      const { auth, requiredScopes } = await import("express-oauth2-jwt-bearer");
      const mw = auth({
        issuer: s.issuer,
        jwksUri: s.jwksUri,
        audience: s.audience,
        tokenSigningAlg: "RS256",
      });
      return listenExpress(await expressApp(mw, requiredScopes(SCOPE)));
    },
  },
  {
    id: "express-jwt",
    label: "express-jwt + jwks-rsa",
    framework: "express",
    async build(s) {
      const { expressjwt } = await import("express-jwt");
      const { default: jwksRsa } = await import("jwks-rsa");
      const mw = expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri: s.jwksUri, cache: true, rateLimit: true }) as Untyped,
        issuer: s.issuer,
        audience: s.audience,
        algorithms: ALGORITHMS as Untyped,
      });
      return listenExpress(
        await expressApp(
          mw,
          expressScope((req) => req.auth?.scope),
        ),
      );
    },
  },
  { id: "koa", label: "Koa (bare)", framework: "koa", bare: true, build: async () => koaApp() },
  {
    id: "koa-rg",
    label: "Koa + resource-guard",
    framework: "koa",
    ours: true,
    async build(s) {
      const { bearerAuth, requireScopes } = await import("@resource-guard/koa");
      return koaApp(bearerAuth({ ...jwtSettings(s), algorithms: ALGORITHMS }), requireScopes(SCOPE));
    },
  },
  {
    id: "koa-rg-opaque",
    label: "Koa + resource-guard, opaque tokens (cached introspection)",
    framework: "koa",
    ours: true,
    opaque: true,
    modes: CACHED_ONLY,
    async build(s) {
      const { bearerAuth, requireScopes } = await import("@resource-guard/koa");
      return koaApp(bearerAuth(opaqueOptions(s)), requireScopes(SCOPE));
    },
  },
  {
    id: "koa-rg-nocache",
    label: "Koa + resource-guard (no cache)",
    framework: "koa",
    ours: true,
    modes: DISTINCT_ONLY,
    async build(s) {
      const { bearerAuth, requireScopes } = await import("@resource-guard/koa");
      return koaApp(
        bearerAuth({ ...jwtSettings(s), algorithms: ALGORITHMS, tokenCache: false }),
        requireScopes(SCOPE),
      );
    },
  },
  {
    id: "koa-limit",
    label: "Koa + limit verifier",
    framework: "koa",
    limit: true,
    modes: DISTINCT_ONLY,
    async build(s) {
      const verify = await limitFor(s);
      return koaApp(
        async (ctx: Untyped, next: () => Promise<void>) => {
          try {
            ctx.state.auth = verify(bearer(ctx.headers.authorization) ?? "");
          } catch {
            ctx.status = 401;
            return;
          }
          await next();
        },
        koaScope((ctx) => ctx.state.auth?.scope),
      );
    },
  },
  {
    id: "koa-jwt",
    label: "koa-jwt + jwks-rsa",
    framework: "koa",
    async build(s) {
      const { default: koaJwt } = await import("koa-jwt");
      const { default: jwksRsa } = await import("jwks-rsa");
      return koaApp(
        koaJwt({
          secret: jwksRsa.koaJwtSecret({ jwksUri: s.jwksUri, cache: true, rateLimit: true }),
          issuer: s.issuer,
          audience: s.audience,
          algorithms: ALGORITHMS,
        }),
        koaScope((ctx) => ctx.state.user?.scope),
      );
    },
  },
  {
    id: "fastify",
    label: "Fastify (bare)",
    framework: "fastify",
    bare: true,
    build: async () => fastifyApp(),
  },
  {
    id: "fastify-rg",
    label: "Fastify + resource-guard",
    framework: "fastify",
    ours: true,
    async build(s) {
      const { default: resourceGuard } = await import("@resource-guard/fastify");
      return fastifyApp(async (app) => {
        await app.register(resourceGuard, { ...jwtSettings(s), algorithms: ALGORITHMS });
        return app.requireScopes(SCOPE);
      });
    },
  },
  {
    id: "fastify-rg-opaque",
    label: "Fastify + resource-guard, opaque tokens (cached introspection)",
    framework: "fastify",
    ours: true,
    opaque: true,
    modes: CACHED_ONLY,
    async build(s) {
      const { default: resourceGuard } = await import("@resource-guard/fastify");
      return fastifyApp(async (app) => {
        await app.register(resourceGuard, opaqueOptions(s));
        return app.requireScopes(SCOPE);
      });
    },
  },
  {
    id: "fastify-limit",
    label: "Fastify + limit verifier",
    framework: "fastify",
    limit: true,
    modes: DISTINCT_ONLY,
    async build(s) {
      const verify = await limitFor(s);
      return fastifyApp(async (app) => {
        app.decorateRequest("auth", null);
        app.addHook("onRequest", async (request: Untyped, reply: Untyped) => {
          try {
            request.auth = verify(bearer(request.headers.authorization) ?? "");
          } catch {
            return reply.code(401).send();
          }
        });
        return fastifyScope((request) => request.auth?.scope);
      });
    },
  },
  {
    id: "fastify-jwt",
    label: "@fastify/jwt + get-jwks",
    framework: "fastify",
    async build(s) {
      const { default: fastifyJwt } = await import("@fastify/jwt");
      const { default: buildGetJwks } = await import("get-jwks");
      const getJwks = buildGetJwks({ jwksPath: new URL(s.jwksUri).pathname, issuersWhitelist: [s.issuer] });
      return fastifyApp(async (app) => {
        await app.register(fastifyJwt, {
          decode: { complete: true },
          secret: (_request: unknown, token: Untyped) =>
            getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: s.issuer }),
          verify: { allowedIss: s.issuer, allowedAud: s.audience, algorithms: ALGORITHMS },
        });
        app.addHook("onRequest", async (request: Untyped) => {
          await request.jwtVerify();
        });
        return fastifyScope((request) => request.user?.payload?.scope ?? request.user?.scope);
      });
    },
  },
  ...HONO_NEST_CONFIGS,
];
