/**
 * The conformance app served by core alone: a plain node:http server calls `verifier.authenticate`
 * and core's scope assertions and writes the error's status and headers itself, as a user of another
 * framework would. The conformance table holds the adapters to it, and the interop suites reuse it.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  type AuthResult,
  createGuard,
  createVerifier,
  isCorsPreflight,
  peerCertificateOf,
  type VerifierOptions,
} from "@resource-guard/core";
import { expect } from "vitest";
import {
  ANY_SCOPES,
  BOTH_SCOPES,
  type Harness,
  ORDERS_SCOPES,
  ROUTES,
  type TlsServerOptions,
} from "./harness.js";

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8" })
    .end(JSON.stringify(body));
}

/** Core without an adapter, over node:http: the reference the adapters are held to. */
export const coreHarness: Harness = {
  name: "core (node:http)",
  async start(options: VerifierOptions, tls?: TlsServerOptions) {
    // `credentialsRequired` is a per-call option of authenticate, not a verifier option.
    const { credentialsRequired, ...verifierOptions } = options as VerifierOptions & {
      credentialsRequired?: boolean;
    };
    const verifier = createVerifier(verifierOptions);
    const scheme = tls ? "https" : "http";
    const orders = createGuard("requireScopes", ORDERS_SCOPES);
    const both = createGuard("requireScopes", [BOTH_SCOPES]);
    const any = createGuard("requireAnyScope", ANY_SCOPES);
    const where = "auth result; authenticate first";
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === ROUTES.health)
        return json(res, 200, { route: ROUTES.health, authenticated: false });
      if (isCorsPreflight(req)) return json(res, 204, null);
      try {
        // A server of its own knows its scheme; the Host header names the authority the client used.
        const auth: AuthResult | undefined = await verifier.authenticate(
          {
            headers: req.headers,
            method: req.method,
            query: url.searchParams,
            absoluteUrl: `${scheme}://${req.headers.host}${req.url}`,
            clientCertificate: peerCertificateOf(req.socket),
          },
          { credentialsRequired },
        );
        const anonymous = auth === undefined ? verifier.challenge : undefined;
        if (url.pathname === ROUTES.orders) orders.check(auth, where, anonymous);
        else if (url.pathname === ROUTES.both) both.check(auth, where, anonymous);
        else if (url.pathname === ROUTES.any) any.check(auth, where, anonymous);
        else if (url.pathname !== ROUTES.me) return json(res, 404, { message: "Not Found" });
        json(
          res,
          200,
          { route: url.pathname, sub: auth?.claims.sub, scopes: auth?.scopes },
          { ...auth?.responseHeaders },
        );
      } catch (err) {
        const e = err as {
          status?: number;
          headers?: Record<string, string>;
          code?: string;
          message: string;
        };
        if (typeof e.status !== "number") return json(res, 500, { message: "Internal Server Error" });
        json(res, e.status, { code: e.code ?? null, message: e.message }, e.headers);
      }
    };
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      handle(req, res).catch(() => res.destroy());
    };
    const server = tls ? createHttpsServer(tls, listener) : createServer(listener);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return {
      url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
  expectErrorBody(body, contentType, expected) {
    expect(contentType).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({ code: expected.code ?? null, message: expected.message });
  },
};
