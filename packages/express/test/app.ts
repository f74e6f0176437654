/**
 * The conformance app (test/conformance/harness.ts ROUTES) built with Express, for either major.
 * Errors are left to Express's default handler, run as in production so no stack reaches a body.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createVerifier, type VerifierOptions } from "@resource-guard/core";
import {
  bearerAuth,
  protectedResourceMetadata,
  requireAnyScope,
  requireScopes,
} from "@resource-guard/express";
import express5 from "express";
import express4 from "express4";
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
import { quietExpectedErrors } from "../../../test/support/quiet-expected-errors.js";

export type ExpressMajor = 4 | 5;
type App = ReturnType<typeof express5>;

/** The express module of the given major. The two @types majors differ in detail only, so both are
 * driven through Express 5's types here; types.test-d.ts checks the adapter against each. */
export function expressOf(major: ExpressMajor): typeof express5 {
  return major === 5 ? express5 : (express4 as unknown as typeof express5);
}

/**
 * A new Express app of the given major, in production mode (no stacks in error bodies). Express then
 * logs every error it answers; the expected ones (resource-guard's) are kept out of the test output.
 */
export function createApp(major: ExpressMajor): App {
  quietExpectedErrors();
  const app = expressOf(major)();
  app.set("env", "production");
  return app;
}

/** Listens on 127.0.0.1, port 0; over HTTPS with `tls`. */
export async function listen(
  app: App,
  tls?: TlsServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = tls
    ? createHttpsServer(tls, app).listen(0, "127.0.0.1")
    : app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The exact body Express's default handler (finalhandler) sends in production. */
export function finalhandlerBody(status: number): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
    `<pre>${STATUS_TEXT[status]}</pre>\n</body>\n</html>\n`
  );
}

export function expressHarness(major: ExpressMajor): Harness {
  return {
    name: `express ${major}`,
    async start(options: VerifierOptions, tls?: TlsServerOptions) {
      const app = createApp(major);
      // `credentialsRequired` is bearerAuth's option (optional authentication), not a verifier's.
      const { credentialsRequired, ...verifierOptions } = options as VerifierOptions & {
        credentialsRequired?: boolean;
      };
      const verifier = createVerifier(verifierOptions);
      if (options.resource !== undefined) app.use(protectedResourceMetadata({ verifier }));
      app.get(ROUTES.health, (req, res) => {
        res.json({ route: ROUTES.health, authenticated: req.auth !== undefined });
      });
      const echo = (req: express5.Request, res: express5.Response) => {
        res.json({ route: req.path, sub: req.auth?.claims.sub, scopes: req.auth?.scopes });
      };
      // A route with its own authentication, declared before the app-wide one.
      app.get(ROUTES.scoped, bearerAuth({ verifier, scopes: [...ORDERS_SCOPES] }), echo);
      app.use(bearerAuth({ verifier, credentialsRequired }));
      app.get(ROUTES.me, echo);
      app.get(ROUTES.orders, requireScopes(...ORDERS_SCOPES), echo);
      app.get(ROUTES.both, requireScopes([...BOTH_SCOPES]), echo);
      app.get(ROUTES.any, requireAnyScope(...ANY_SCOPES), echo);
      return listen(app, tls);
    },
    expectErrorBody(body, contentType, expected) {
      expect(contentType).toBe("text/html; charset=utf-8");
      expect(body).toBe(finalhandlerBody(expected.status));
    },
  };
}
