/**
 * The orders API on Hono: the same resource server as the Express, Koa and Fastify examples, built
 * with @resource-guard/hono. `GET /health` is public (registered before the guard), `GET /orders`
 * needs `orders:read` and `POST /orders` needs `orders:write`. A factory returning the Hono app, which
 * runs on any runtime: `server.ts` serves it on Node from environment variables; on Bun or Deno,
 * `export default app` or `Deno.serve(app.fetch)` serve the same app.
 */
import type { VerifierOptions } from "@resource-guard/core";
import { bearerAuth, type ResourceGuardEnv, requireScopes } from "@resource-guard/hono";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";

/** Options of the orders API: any `createVerifier` option (`issuer`, `audience`, `jwksUri`…). */
export type OrdersApiOptions = VerifierOptions;

interface Order {
  id: string;
  item: string;
  quantity: number;
  createdBy: string | undefined;
}

/**
 * Builds the orders API. Nothing listens until you serve `app.fetch`.
 *
 * @example
 * const app = createApp({ issuer: "http://127.0.0.1:4000", audience: "https://orders.example.com" });
 * serve({ fetch: app.fetch, port: 3000, hostname: "127.0.0.1" });
 */
export function createApp(options: OrdersApiOptions): Hono<ResourceGuardEnv> {
  const orders: Order[] = [{ id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" }];
  const app = new Hono<ResourceGuardEnv>();

  // Registered before the guard, so it stays public.
  app.get("/health", (c) => c.json({ status: "ok" }));

  // Every route below requires a valid bearer token; c.get("auth") holds the verified result.
  app.use(bearerAuth(options));

  app.get("/orders", requireScopes("orders:read"), (c) =>
    c.json({ orders, client: c.get("auth").claims.client_id }),
  );

  // The body is read only after the token and its scope have been accepted.
  app.post("/orders", requireScopes("orders:write"), async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const { item, quantity } = (body ?? {}) as { item?: unknown; quantity?: unknown };
    if (
      typeof item !== "string" ||
      item.length === 0 ||
      !Number.isInteger(quantity) ||
      Number(quantity) < 1
    ) {
      return c.json(
        { error: "invalid_order", error_description: "item and a positive quantity are required" },
        400,
      );
    }
    const order: Order = {
      id: `ord_${1001 + orders.length}`,
      item,
      quantity: Number(quantity),
      createdBy: c.get("auth").claims.client_id,
    };
    orders.push(order);
    return c.json(order, 201);
  });

  // Auth failures are HTTPExceptions whose response already carries the status, the headers
  // (WWW-Authenticate, Retry-After) and a JSON body; anything else is a 500 that says nothing.
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error(err);
    return c.json({ error: "internal_server_error" }, 500);
  });
  return app;
}
