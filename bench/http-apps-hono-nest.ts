/**
 * The Hono and NestJS servers of the HTTP bench (bench/http-apps.ts holds the others): each framework
 * bare, and with resource-guard as its users write it, the scope check on the route included
 * (`requireScopes("orders:read")`, `@RequireScopes("orders:read")`). Every server answers
 * `GET /orders` with the same small JSON body. Measured with hot and rotating tokens.
 */
import "reflect-metadata";
import type { Server } from "node:http";
import type { AppConfig, AppSettings } from "./http-apps.js";

const BODY = { ok: true };
const ALGORITHMS: ["RS256"] = ["RS256"];
const CACHED_ONLY = ["hot", "rotating"] as const;

/** The verifier options of these servers: the JWT settings only (the introspection endpoint is not one). */
function jwtOptions({ issuer, audience, jwksUri }: AppSettings) {
  return { issuer, audience, jwksUri, algorithms: ALGORITHMS };
}

async function honoServer(settings?: AppSettings): Promise<Server> {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const app = new Hono();
  if (settings) {
    const { bearerAuth, requireScopes } = await import("@resource-guard/hono");
    app.use(bearerAuth(jwtOptions(settings)));
    app.get("/orders", requireScopes("orders:read"), (c) => c.json(BODY));
  } else {
    app.get("/orders", (c) => c.json(BODY));
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return server;
}

/**
 * A NestJS app serving `GET /orders`: bare, with resource-guard (`settings`), or with other global
 * `providers` (the floor of bench/floor-apps.ts passes its guard here).
 */
export async function nestServer(
  platform: "express" | "fastify",
  settings?: AppSettings,
  providers: unknown[] = [],
): Promise<Server> {
  const { Controller, Get, Module } = await import("@nestjs/common");
  const { NestFactory } = await import("@nestjs/core");
  const adapter =
    platform === "express"
      ? new (await import("@nestjs/platform-express")).ExpressAdapter()
      : new (await import("@nestjs/platform-fastify")).FastifyAdapter();
  // Decorators applied as functions: one controller class per server, with or without the guard's rule.
  class OrdersController {
    orders() {
      return BODY;
    }
  }
  const method = Object.getOwnPropertyDescriptor(OrdersController.prototype, "orders")!;
  Get("orders")(OrdersController.prototype, "orders", method);
  const imports = [];
  if (settings) {
    const { RequireScopes, ResourceGuardModule } = await import("@resource-guard/nestjs");
    RequireScopes("orders:read")(OrdersController.prototype, "orders", method);
    imports.push(ResourceGuardModule.forRoot(jwtOptions(settings)));
  }
  Controller()(OrdersController);
  class BenchModule {}
  Module({ imports, controllers: [OrdersController], providers: providers as never[] })(BenchModule);
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  await app.listen(0, "127.0.0.1");
  return app.getHttpServer() as Server;
}

export const HONO_NEST_CONFIGS: readonly AppConfig[] = [
  {
    id: "hono",
    label: "Hono (bare)",
    framework: "hono",
    bare: true,
    modes: CACHED_ONLY,
    build: () => honoServer(),
  },
  {
    id: "hono-rg",
    label: "Hono + resource-guard",
    framework: "hono",
    ours: true,
    modes: CACHED_ONLY,
    build: (s) => honoServer(s),
  },
  ...(["express", "fastify"] as const).flatMap((platform): AppConfig[] => [
    {
      id: `nestjs-${platform}`,
      label: `NestJS on ${platform} (bare)`,
      framework: `nestjs-${platform}`,
      bare: true,
      modes: CACHED_ONLY,
      build: () => nestServer(platform),
    },
    {
      id: `nestjs-${platform}-rg`,
      label: `NestJS on ${platform} + resource-guard`,
      framework: `nestjs-${platform}`,
      ours: true,
      modes: CACHED_ONLY,
      build: (s) => nestServer(platform, s),
    },
  ]),
];
