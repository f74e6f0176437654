/**
 * The orders API on Fastify: the same resource server as the Express and Koa examples, built with
 * @resource-guard/fastify. The plugin guards every route registered after it; `GET /health` opts out
 * with `config: { auth: false }`, `GET /orders` needs `orders:read` and `POST /orders` needs
 * `orders:write`. A factory, so the demo and the tests build it in-process; `server.ts` runs it from
 * environment variables.
 */
import { STATUS_CODES } from "node:http";
import type { VerifierOptions } from "@resource-guard/core";
import resourceGuard from "@resource-guard/fastify";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";

/** Options of the orders API: any `createVerifier` option (`issuer`, `audience`, `jwksUri`…). */
export type OrdersApiOptions = VerifierOptions;

/** How the Fastify server itself is set up. */
export interface ServerOptions {
  /** node:https server options (key, cert, and `requestCert` for client certificates). */
  https?: import("node:https").ServerOptions;
  /** Fastify's `trustProxy` (addresses of the proxies whose X-Forwarded-* headers are believed). */
  trustProxy?: boolean | string | string[];
}

interface Order {
  id: string;
  item: string;
  quantity: number;
  createdBy: string | undefined;
}

const newOrderSchema = {
  type: "object",
  required: ["item", "quantity"],
  properties: { item: { type: "string", minLength: 1 }, quantity: { type: "integer", minimum: 1 } },
} as const;

/**
 * Builds the orders API. Asynchronous because the plugin must be registered before its
 * `app.requireScopes` decorator exists. Nothing listens until you call `app.listen()`.
 *
 * @example
 * const app = await createApp({ issuer: "http://127.0.0.1:4000", audience: "https://orders.example.com" });
 * await app.listen({ port: 3001, host: "127.0.0.1" });
 */
export async function createApp(
  options: OrdersApiOptions,
  server: ServerOptions = {},
): Promise<FastifyInstance> {
  const orders: Order[] = [{ id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" }];
  // `https` serves TLS (and, with `requestCert`, sees client certificates for mTLS-bound tokens);
  // `trustProxy` makes request.protocol and request.host follow X-Forwarded-* from that proxy only.
  // The HTTPS and plain instances differ only in their raw server type, which nothing below uses.
  const trustProxy = server.trustProxy ?? false;
  const app = (
    server.https ? Fastify({ https: server.https, trustProxy }) : Fastify({ trustProxy })
  ) as FastifyInstance;
  app.setErrorHandler(answerWithJson);

  await app.register(resourceGuard, options);

  app.get("/health", { config: { auth: false } }, async () => ({ status: "ok" }));

  app.get("/orders", { preHandler: app.requireScopes("orders:read") }, async (request) => ({
    orders,
    client: request.auth?.claims.client_id,
  }));

  app.post<{ Body: { item: string; quantity: number } }>(
    "/orders",
    { preHandler: app.requireScopes("orders:write"), schema: { body: newOrderSchema } },
    async (request, reply) => {
      const order: Order = {
        id: `ord_${1001 + orders.length}`,
        item: request.body.item,
        quantity: request.body.quantity,
        createdBy: request.auth?.claims.client_id,
      };
      orders.push(order);
      return reply.code(201).send(order);
    },
  );

  return app;
}

/**
 * Answers every error as JSON with the status and headers it carries (`WWW-Authenticate`,
 * `Retry-After`), like the other two examples. Fastify's own handler would send the same status and
 * headers with `{ statusCode, code, error, message }`.
 */
function answerWithJson(
  error: FastifyError & { headers?: Record<string, string> },
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
  // Only client errors have harmless, fixed messages; a 5xx says nothing about its cause.
  const exposed = status < 500;
  if (!exposed) reply.log.error(error);
  if (error.headers) reply.headers(error.headers);
  reply.code(status);
  return reply.send({
    error: exposed && typeof error.code === "string" ? error.code : snakeCase(STATUS_CODES[status]),
    error_description: exposed ? error.message : undefined,
  });
}

function snakeCase(text: string | undefined): string {
  return (text ?? "error").toLowerCase().replaceAll(" ", "_");
}
