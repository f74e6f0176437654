/**
 * The conformance app (test/conformance/harness.ts ROUTES) built with Koa and @koa/router, for either
 * major. Errors are left to Koa's default handling (`ctx.onerror`).
 */
import { once } from "node:events";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import Router from "@koa/router";
import type { VerifierOptions } from "@resource-guard/core";
import { bearerAuth, requireAnyScope, requireScopes } from "@resource-guard/koa";
import Koa3 from "koa";
import Koa2 from "koa2";
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

export type KoaMajor = 2 | 3;

/** A new Koa app of the given major; silent, so expected 5xx errors are not logged. */
export function createApp(major: KoaMajor): Koa3 {
  // The two @types majors differ in detail only; both apps are driven through the same calls here.
  const app = major === 3 ? new Koa3() : (new Koa2() as unknown as Koa3);
  app.silent = true;
  return app;
}

/** Listens on 127.0.0.1, port 0; over HTTPS with `tls`. */
export async function listen(
  app: Koa3,
  tls?: TlsServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = tls
    ? createHttpsServer(tls, app.callback()).listen(0, "127.0.0.1")
    : app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function koaHarness(major: KoaMajor): Harness {
  return {
    name: `koa ${major}`,
    async start(options: VerifierOptions, tls?: TlsServerOptions) {
      const app = createApp(major);
      const open = new Router();
      open.get(ROUTES.health, (ctx) => {
        ctx.body = { route: ROUTES.health, authenticated: ctx.state.auth !== undefined };
      });
      const guarded = new Router();
      const echo = (ctx: Koa3.Context) => {
        ctx.body = { route: ctx.path, sub: ctx.state.auth?.claims.sub, scopes: ctx.state.auth?.scopes };
      };
      guarded.get(ROUTES.me, echo);
      guarded.get(ROUTES.orders, requireScopes(...ORDERS_SCOPES), echo);
      guarded.get(ROUTES.both, requireScopes([...BOTH_SCOPES]), echo);
      guarded.get(ROUTES.any, requireAnyScope(...ANY_SCOPES), echo);
      app.use(open.routes());
      app.use(bearerAuth(options));
      app.use(guarded.routes());
      return listen(app, tls);
    },
    expectErrorBody(body, contentType, expected) {
      // Koa sends err.message when the error is exposed (status < 500), else the status text.
      expect(contentType).toBe("text/plain; charset=utf-8");
      expect(body).toBe(expected.status < 500 ? expected.message : STATUS_TEXT[expected.status]);
    },
  };
}
