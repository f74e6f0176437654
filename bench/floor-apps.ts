/**
 * The floor of the adapter-cost bench (issue 18: "cached tokens at the cost of a Map lookup"): each
 * framework with the least a cached verifier can do there, hand-written in its cheapest shape, one
 * layer that reads `Authorization: Bearer`, looks the token up in a Map, checks the entry's expiry and
 * the route's scope, and stores the result on the request. A miss is verified by the limit verifier
 * (bench/limit-verifier.ts) and kept until the token's `exp`; the bench warms every token first, so
 * what is measured is the hit. Nothing real that caches can do less per request, so "floor over bare"
 * is what the framework charges for a Map lookup in its request path, and "ours over floor" what is
 * left that resource-guard itself could still take out.
 *
 * Not a verifier to copy: no key retirement, no error answers beyond a bare status, no checks of
 * anything but expiry and the one scope on a hit.
 */
import type { Server } from "node:http";
import type { AppSettings, Framework } from "./http-apps.js";
import { nestServer } from "./http-apps-hono-nest.js";
import { createLimitVerifier } from "./limit-verifier.js";

const BODY = { ok: true };
const SCOPE = "orders:read";

// biome-ignore lint/suspicious/noExplicitAny: untyped peer modules (see bench/http-apps.ts)
type Untyped = any;
const importUntyped = (name: string): Promise<Untyped> => import(name);

interface FloorEntry {
  readonly claims: Record<string, unknown>;
  readonly scopes: ReadonlySet<string>;
  readonly untilMs: number;
}

/** An `Authorization` value → its entry, or undefined for a missing or bad token (a cached lookup, then the limit). */
type FloorLookup = (header: string | undefined) => FloorEntry | undefined;

async function floorLookup(s: AppSettings): Promise<FloorLookup> {
  const verify = await createLimitVerifier(s.jwksUri, {
    issuer: s.issuer,
    audience: s.audience,
    algorithms: ["RS256"],
  });
  const cache = new Map<string, FloorEntry>();
  return (header) => {
    if (header === undefined || !header.startsWith("Bearer ")) return undefined;
    const token = header.slice(7);
    const hit = cache.get(token);
    if (hit !== undefined && Date.now() < hit.untilMs) return hit;
    try {
      const claims = verify(token);
      const entry: FloorEntry = {
        claims,
        scopes: new Set(String(claims.scope ?? "").split(" ")),
        untilMs: (claims.exp as number) * 1000,
      };
      cache.set(token, entry);
      return entry;
    } catch {
      return undefined;
    }
  };
}

/** The status a floor server answers a request with that `entry` does not let through. */
const refusal = (entry: FloorEntry | undefined): 401 | 403 | 0 =>
  entry === undefined ? 401 : entry.scopes.has(SCOPE) ? 0 : 403;

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

async function expressFloor(lookup: FloorLookup): Promise<Server> {
  const { default: express } = await importUntyped("express");
  const { createServer } = await import("node:http");
  const app = express();
  app.set("env", "test");
  app.use((req: Untyped, res: Untyped, next: () => void) => {
    const entry = lookup(req.headers.authorization);
    const status = refusal(entry);
    if (status !== 0) return void res.status(status).end();
    req.auth = entry;
    next();
  });
  app.get("/orders", (_req: Untyped, res: Untyped) => res.json(BODY));
  return listen(createServer(app));
}

async function koaFloor(lookup: FloorLookup): Promise<Server> {
  const { default: Koa } = await importUntyped("koa");
  const { default: Router } = await importUntyped("@koa/router");
  const { createServer } = await import("node:http");
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  router.get("/orders", (ctx: Untyped) => {
    ctx.body = BODY;
  });
  app.use((ctx: Untyped, next: () => Promise<void>) => {
    const entry = lookup(ctx.headers.authorization);
    const status = refusal(entry);
    if (status !== 0) {
      ctx.status = status;
      return;
    }
    ctx.state.auth = entry;
    return next();
  });
  app.use(router.routes());
  return listen(createServer(app.callback()));
}

async function fastifyFloor(lookup: FloorLookup): Promise<Server> {
  const { default: Fastify } = await import("fastify");
  const app = Fastify({ logger: false });
  app.decorateRequest("auth", null);
  app.addHook("onRequest", (request: Untyped, reply: Untyped, done: () => void) => {
    const entry = lookup(request.headers.authorization);
    const status = refusal(entry);
    if (status !== 0) {
      reply.code(status).send();
      return;
    }
    request.auth = entry;
    done();
  });
  app.get("/orders", async () => BODY);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app.server as Server;
}

async function honoFloor(lookup: FloorLookup): Promise<Server> {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const app = new Hono<{ Variables: { auth: FloorEntry } }>();
  app.use((c, next) => {
    const entry = lookup(c.req.header("authorization"));
    const status = refusal(entry);
    if (status !== 0) return Promise.resolve(c.body(null, status));
    c.set("auth", entry as FloorEntry);
    return next();
  });
  app.get("/orders", (c) => c.json(BODY));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

async function nestFloor(platform: "express" | "fastify", lookup: FloorLookup): Promise<Server> {
  const { ForbiddenException, UnauthorizedException } = await import("@nestjs/common");
  const { APP_GUARD } = await import("@nestjs/core");
  // A global guard, as the adapter installs its own: no per-route metadata read, the one scope fixed.
  class FloorGuard {
    canActivate(context: Untyped): boolean {
      const request = context.switchToHttp().getRequest();
      const entry = lookup(request.headers.authorization);
      const status = refusal(entry);
      if (status === 401) throw new UnauthorizedException();
      if (status === 403) throw new ForbiddenException();
      request.auth = entry;
      return true;
    }
  }
  return nestServer(platform, undefined, [{ provide: APP_GUARD, useClass: FloorGuard }]);
}

/** The floor server of `framework` (see the top of this file). */
export async function buildFloor(framework: Framework, settings: AppSettings): Promise<Server> {
  const lookup = await floorLookup(settings);
  switch (framework) {
    case "express":
      return expressFloor(lookup);
    case "koa":
      return koaFloor(lookup);
    case "fastify":
      return fastifyFloor(lookup);
    case "hono":
      return honoFloor(lookup);
    case "nestjs-express":
    case "nestjs-fastify":
      return nestFloor(framework === "nestjs-express" ? "express" : "fastify", lookup);
  }
}
