/**
 * The conformance app served by core alone: a plain node:http server calls `verifier.authenticate`
 * and core's scope assertions and writes the error's status and headers itself, as a user of another
 * framework would, and writes `metadataResponse` for the RFC 9728 document. The conformance table
 * holds the adapters to it, and the interop suites reuse it.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuthResult,
  assertAnyScope,
  assertScopes,
  createVerifier,
  metadataResponse,
  parseRequiredScopes,
  type VerifierOptions,
} from "@resource-guard/core";
import { expect } from "vitest";
import { ANY_SCOPES, BOTH_SCOPES, type Harness, ORDERS_SCOPES, ROUTES } from "./harness.js";

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
  async start(options: VerifierOptions) {
    const verifier = createVerifier(options);
    const orders = parseRequiredScopes(ORDERS_SCOPES);
    const both = parseRequiredScopes(BOTH_SCOPES);
    const any = parseRequiredScopes(ANY_SCOPES);
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const document = metadataResponse(verifier, req);
      if (document !== undefined) {
        res.writeHead(document.status, document.headers).end(document.body ?? undefined);
        return;
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === ROUTES.health)
        return json(res, 200, { route: ROUTES.health, authenticated: false });
      try {
        // The route's scopes are known before the token is read, so its 401s name them.
        const routeScopes = url.pathname === ROUTES.scoped ? { scopes: orders } : undefined;
        const auth: AuthResult = await verifier.authenticate(
          { headers: req.headers, method: req.method, query: url.searchParams },
          routeScopes,
        );
        if (url.pathname === ROUTES.orders || url.pathname === ROUTES.scoped) assertScopes(auth, orders);
        else if (url.pathname === ROUTES.both) assertScopes(auth, both);
        else if (url.pathname === ROUTES.any) assertAnyScope(auth, any);
        else if (url.pathname !== ROUTES.me) return json(res, 404, { message: "Not Found" });
        json(res, 200, { route: url.pathname, sub: auth.claims.sub, scopes: auth.scopes });
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
    const server = createServer((req, res) => {
      handle(req, res).catch(() => res.destroy());
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
  expectErrorBody(body, contentType, expected) {
    expect(contentType).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({ code: expected.code ?? null, message: expected.message });
  },
};
