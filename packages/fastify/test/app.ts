/**
 * The conformance app (test/conformance/harness.ts ROUTES) built with Fastify, for either major.
 * Errors are left to Fastify's default error handler.
 */
import type { VerifierOptions } from "@resource-guard/core";
import resourceGuard from "@resource-guard/fastify";
import fastify5, { type FastifyInstance, type FastifyRequest } from "fastify";
import fastify4 from "fastify4";
import { expect } from "vitest";
import {
  ANY_SCOPES,
  BOTH_SCOPES,
  type Harness,
  ORDERS_SCOPES,
  ROUTES,
  STATUS_TEXT,
  type TlsServerOptions,
} from "../../../test/conformance/harness.js";

export type FastifyMajor = 4 | 5;

/** A new Fastify app of the given major, without a logger; over HTTPS with `tls`. */
export function createApp(major: FastifyMajor, tls?: TlsServerOptions): FastifyInstance {
  // The plugin's types are written against Fastify 5's; both majors are driven through the same calls.
  const create = (major === 5 ? fastify5 : fastify4) as unknown as (options: object) => FastifyInstance;
  return create(tls ? { https: tls } : {});
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(app: FastifyInstance): Promise<{ url: string; close(): Promise<void> }> {
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

export function fastifyHarness(major: FastifyMajor): Harness {
  return {
    name: `fastify ${major}`,
    async start(options: VerifierOptions, tls?: TlsServerOptions) {
      const app = createApp(major, tls);
      await app.register(resourceGuard, options);
      const echo = async (request: FastifyRequest) => ({
        route: request.url.split("?")[0],
        sub: request.auth?.claims.sub,
        scopes: request.auth?.scopes,
      });
      app.get(ROUTES.health, { config: { auth: false } }, async (request) => ({
        route: ROUTES.health,
        authenticated: request.auth !== null,
      }));
      app.get(ROUTES.me, echo);
      app.get(ROUTES.orders, { preHandler: app.requireScopes(...ORDERS_SCOPES) }, echo);
      app.get(ROUTES.both, { preHandler: app.requireScopes([...BOTH_SCOPES]) }, echo);
      app.get(ROUTES.any, { preHandler: app.requireAnyScope(...ANY_SCOPES) }, echo);
      return listen(app);
    },
    expectErrorBody(body, contentType, expected) {
      // Fastify's default error handler: JSON with statusCode, code (when the error has one), error, message.
      expect(contentType).toBe("application/json; charset=utf-8");
      expect(JSON.parse(body)).toEqual({
        statusCode: expected.status,
        ...(expected.code === undefined ? {} : { code: expected.code }),
        error: STATUS_TEXT[expected.status],
        message: expected.message,
      });
    },
  };
}
