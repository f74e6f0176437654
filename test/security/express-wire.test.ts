/**
 * The wire answer to representative attacks and faults, through `@resource-guard/express` on a real
 * Express 5 server on 127.0.0.1 with Express's own default error handler (production mode, so no
 * stack reaches a body). The core-level files prove each attack in detail; this one shows what a
 * client actually receives: status, `WWW-Authenticate`, `Retry-After` and body bytes, none of which
 * may echo the token.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { INVALID_REQUEST_DESCRIPTIONS, INVALID_TOKEN_DESCRIPTIONS } from "@resource-guard/core";
import { bearerAuth, requireScopes } from "@resource-guard/express";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import {
  AUDIENCE,
  encodeJson,
  goodClaims,
  goodHeader,
  hmacBytes,
  publicPem,
  signObjects,
  signRaw,
} from "./forge.js";

// Express is a dependency of the adapter package, not of the repository root: load that copy.
interface ExpressApp {
  set(name: string, value: unknown): void;
  use(...handlers: unknown[]): void;
  get(path: string, ...handlers: unknown[]): void;
  listen(port: number, host: string): Server;
}
const express = createRequire(new URL("../../packages/express/package.json", import.meta.url))(
  "express",
) as () => ExpressApp;

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  503: "Service Unavailable",
};

/** What Express's default handler (finalhandler) sends in production for `status`. */
const finalhandlerBody = (status: number) =>
  `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${STATUS_TEXT[status]}</pre>\n</body>\n</html>\n`;

let idp: TestIdp;
let attacker: TestIdp;
let server: Server;
let base: string;

beforeAll(async () => {
  // Express logs every error it handles unless env is "test", and "test" puts stacks in bodies.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  idp = await startTestIdp({ algs: ["RS256"] });
  attacker = await startTestIdp({ algs: ["RS256"] });
  const app = express();
  app.set("env", "production");
  app.use(bearerAuth({ issuer: idp.issuer, audience: AUDIENCE, timeoutMs: 300 }));
  app.get("/orders", requireScopes("orders:read"), (_req: unknown, res: { json(v: unknown): void }) => {
    res.json({ ok: true });
  });
  server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  vi.restoreAllMocks();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([idp.close(), attacker.close()]);
});

async function get(authorization?: string) {
  const response = await fetch(`${base}/orders`, { headers: authorization ? { authorization } : {} });
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    retryAfter: response.headers.get("retry-after"),
    body: await response.text(),
  };
}

const invalidToken = (reason: keyof typeof INVALID_TOKEN_DESCRIPTIONS) => ({
  status: 401,
  challenge: `Bearer realm="api", error="invalid_token", error_description="${INVALID_TOKEN_DESCRIPTIONS[reason]}"`,
  retryAfter: null,
  body: finalhandlerBody(401),
});

describe("attacks over HTTP through the Express adapter", () => {
  it("answers a valid token with the route (control)", async () => {
    const token = await idp.sign(goodClaims(idp));
    expect(await get(`Bearer ${token}`)).toEqual({
      status: 200,
      challenge: null,
      retryAfter: null,
      body: '{"ok":true}',
    });
  });

  it("answers no credentials with a bare challenge", async () => {
    expect(await get()).toEqual({
      status: 401,
      challenge: 'Bearer realm="api"',
      retryAfter: null,
      body: finalhandlerBody(401),
    });
  });

  it("answers alg none with 401 invalid_token", async () => {
    const token = `${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(goodClaims(idp))}.`;
    const answer = await get(`Bearer ${token}`);
    expect([invalidToken("algorithm"), invalidToken("malformed")]).toContainEqual(answer);
  });

  it("answers HS256 keyed with the issuer's public key with 401 invalid_token", async () => {
    const key = idp.keys[0]!;
    const input = `${encodeJson(goodHeader(key, { alg: "HS256" }))}.${encodeJson(goodClaims(idp))}`;
    const answer = await get(`Bearer ${input}.${hmacBytes("HS256", publicPem(key), input)}`);
    expect([invalidToken("algorithm"), invalidToken("key_mismatch")]).toContainEqual(answer);
  });

  it("answers a jku to the attacker with 401 invalid_token, and the attacker sees no request", async () => {
    const evil = attacker.keys[0]!;
    const token = signObjects(goodHeader(evil, { jku: attacker.jwksUri }), goodClaims(idp), evil);
    expect(await get(`Bearer ${token}`)).toEqual(invalidToken("unknown_key"));
    expect(attacker.totalHits).toBe(0);
  });

  it("answers a duplicate member with 401 invalid_token", async () => {
    const key = idp.keys[0]!;
    const text = `{"sub":"attacker",${JSON.stringify(goodClaims(idp)).slice(1)}`;
    expect(await get(`Bearer ${signRaw(JSON.stringify(goodHeader(key)), text, key)}`)).toEqual(
      invalidToken("duplicate_member"),
    );
  });

  it("answers a character outside b64token with 400 invalid_request", async () => {
    const token = await idp.sign(goodClaims(idp));
    const answer = await get(`Bearer ${token.slice(0, 20)}*${token.slice(20)}`);
    expect(answer).toEqual({
      status: 400,
      challenge: `Bearer realm="api", error="invalid_request", error_description="${INVALID_REQUEST_DESCRIPTIONS.malformed_token}"`,
      retryAfter: null,
      body: finalhandlerBody(400),
    });
  });

  it("answers orders:readonly with 403 insufficient_scope on a route that needs orders:read", async () => {
    const token = await idp.sign(goodClaims(idp, { scope: "orders:readonly" }));
    expect(await get(`Bearer ${token}`)).toEqual({
      status: 403,
      challenge: 'Bearer realm="api", error="insufficient_scope", scope="orders:read"',
      retryAfter: null,
      body: finalhandlerBody(403),
    });
  });

  it("never lets a 1 MB token reach the verifier: Node answers 431 for the header", async () => {
    // Node's HTTP parser caps request headers (16 KiB by default) before Express runs; core's own
    // maxTokenLength (400 token_too_large) is the limit for servers that raise that cap.
    const token = await idp.sign(goodClaims(idp));
    const hits = idp.totalHits;
    const answer = await get(`Bearer ${token}${"A".repeat(1024 * 1024)}`).catch((err: unknown) => ({
      status: 0,
      err,
    }));
    expect(answer.status).toBe(431);
    expect(idp.totalHits).toBe(hits);
  });
});

describe("provider faults over HTTP through the Express adapter", () => {
  it("answers 503 with Retry-After and no challenge while the provider is down and nothing is cached", async () => {
    const down = await startTestIdp({ algs: ["ES256"] });
    down.fault = "status-500";
    const app = express();
    app.set("env", "production");
    app.use(bearerAuth({ issuer: down.issuer, audience: AUDIENCE, timeoutMs: 300 }));
    app.get("/orders", (_req: unknown, res: { json(v: unknown): void }) => res.json({ ok: true }));
    const coldServer = app.listen(0, "127.0.0.1");
    await once(coldServer, "listening");
    try {
      const url = `http://127.0.0.1:${(coldServer.address() as AddressInfo).port}/orders`;
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${await down.sign(goodClaims(down))}` },
      });
      expect({
        status: response.status,
        challenge: response.headers.get("www-authenticate"),
        retryAfter: response.headers.get("retry-after"),
        body: await response.text(),
      }).toEqual({ status: 503, challenge: null, retryAfter: "1", body: finalhandlerBody(503) });
    } finally {
      coldServer.closeAllConnections();
      await new Promise<void>((resolve) => coldServer.close(() => resolve()));
      await down.close();
    }
  });
});
