/**
 * The orders API on Express: the smallest realistic resource server built with
 * @resource-guard/express. `GET /health` is public, `GET /orders` needs the `orders:read` scope and
 * `POST /orders` needs `orders:write`. It is a factory, not a running server, so that the demo and
 * the tests build it in-process against their own authorization server; `server.ts` runs it from
 * environment variables.
 */
import { STATUS_CODES } from "node:http";
import type { VerifierOptions } from "@resource-guard/core";
import { bearerAuth, requireScopes } from "@resource-guard/express";
import express, { type ErrorRequestHandler, type Express } from "express";

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
export function createApp(options: OrdersApiOptions): Express {
  const orders: Order[] = [{ id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" }];
  const app = express();
  app.disable("x-powered-by");

  // Registered before the guard, so it stays public.
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Every route below requires a valid bearer token; req.auth holds the verified result.
  app.use(bearerAuth(options));

  app.get("/orders", requireScopes("orders:read"), (req, res) => {
    res.json({ orders, client: req.auth?.claims.client_id });
  });

  // The body is parsed only after the token and its scope have been accepted.
  app.post("/orders", requireScopes("orders:write"), express.json(), (req, res) => {
    const { item, quantity } = (req.body ?? {}) as { item?: unknown; quantity?: unknown };
    if (
      typeof item !== "string" ||
      item.length === 0 ||
      !Number.isInteger(quantity) ||
      Number(quantity) < 1
    ) {
      res
        .status(400)
        .json({ error: "invalid_order", error_description: "item and a positive quantity are required" });
      return;
    }
    const order: Order = {
      id: `ord_${1001 + orders.length}`,
      item,
      quantity: Number(quantity),
      createdBy: req.auth?.claims.client_id,
    };
    orders.push(order);
    res.status(201).json(order);
  });

  app.use(answerWithJson);
  return app;
}

/**
 * Answers every error as JSON with the status and headers it carries (`WWW-Authenticate`,
 * `Retry-After`). Express's default handler would do the same but print a stack trace in the body
 * outside production, and log every rejected token to stderr.
 */
const answerWithJson: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = typeof err?.status === "number" && err.status >= 400 ? err.status : 500;
  if (err?.headers) res.set(err.headers);
  // Only client errors have harmless, fixed messages; a 5xx says nothing about its cause.
  const exposed = status < 500;
  if (!exposed) console.error(err);
  res.status(status).json({
    error: exposed && typeof err.code === "string" ? err.code : snakeCase(STATUS_CODES[status]),
    error_description: exposed ? err.message : undefined,
  });
};

function snakeCase(text: string | undefined): string {
  return (text ?? "error").toLowerCase().replaceAll(" ", "_");
}
