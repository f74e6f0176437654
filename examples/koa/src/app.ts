/**
 * The orders API on Koa: the same resource server as the Express and Fastify examples, built with
 * @resource-guard/koa and @koa/router. `GET /health` is public, `GET /orders` needs `orders:read`
 * and `POST /orders` needs `orders:write`. A factory, so the demo and the tests build it in-process;
 * `server.ts` runs it from environment variables.
 */
import { STATUS_CODES } from "node:http";
import Router from "@koa/router";
import type { VerifierOptions } from "@resource-guard/core";
import { bearerAuth, requireScopes } from "@resource-guard/koa";
import Koa, { type Middleware } from "koa";
import bodyParser from "koa-bodyparser";

/** Options of the orders API: any `createVerifier` option (`issuer`, `audience`, `jwksUri`…). */
export type OrdersApiOptions = VerifierOptions;

interface Order {
  id: string;
  item: string;
  quantity: number;
  createdBy: string | undefined;
}

/**
 * Builds the orders API. Nothing listens until you call `app.listen()`.
 *
 * @example
 * const app = createApp({ issuer: "http://127.0.0.1:4000", audience: "https://orders.example.com" });
 * app.listen(3001, "127.0.0.1");
 */
export function createApp(options: OrdersApiOptions): Koa {
  const orders: Order[] = [{ id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" }];
  const app = new Koa();
  app.use(answerWithJson);

  // Mounted before the guard, so it stays public.
  const publicRoutes = new Router().get("/health", (ctx) => {
    ctx.body = { status: "ok" };
  });
  app.use(publicRoutes.routes());

  // Every route below requires a valid bearer token; ctx.state.auth holds the verified result.
  app.use(bearerAuth(options));

  const routes = new Router();
  routes.get("/orders", requireScopes("orders:read"), (ctx) => {
    ctx.body = { orders, client: ctx.state.auth?.claims.client_id };
  });
  // The body is parsed only after the token and its scope have been accepted.
  routes.post("/orders", requireScopes("orders:write"), bodyParser(), (ctx) => {
    const { item, quantity } = (ctx.request.body ?? {}) as { item?: unknown; quantity?: unknown };
    if (
      typeof item !== "string" ||
      item.length === 0 ||
      !Number.isInteger(quantity) ||
      Number(quantity) < 1
    ) {
      ctx.status = 400;
      ctx.body = { error: "invalid_order", error_description: "item and a positive quantity are required" };
      return;
    }
    const order: Order = {
      id: `ord_${1001 + orders.length}`,
      item,
      quantity: Number(quantity),
      createdBy: ctx.state.auth?.claims.client_id,
    };
    orders.push(order);
    ctx.status = 201;
    ctx.body = order;
  });
  app.use(routes.routes()).use(routes.allowedMethods());
  return app;
}

/**
 * Answers every error as JSON with the status and headers it carries (`WWW-Authenticate`,
 * `Retry-After`), like the other two examples. Koa's own handler would send the same status and
 * headers with a plain-text body.
 */
const answerWithJson: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const error = err as {
      status?: unknown;
      headers?: Record<string, string>;
      code?: unknown;
      message?: string;
    };
    const status = typeof error.status === "number" && error.status >= 400 ? error.status : 500;
    // Only client errors have harmless, fixed messages; a 5xx says nothing about its cause.
    const exposed = status < 500;
    if (!exposed) ctx.app.emit("error", err, ctx);
    if (error.headers) ctx.set(error.headers);
    ctx.status = status;
    ctx.body = {
      error: exposed && typeof error.code === "string" ? error.code : snakeCase(STATUS_CODES[status]),
      error_description: exposed ? error.message : undefined,
    };
  }
};

function snakeCase(text: string | undefined): string {
  return (text ?? "error").toLowerCase().replaceAll(" ", "_");
}
