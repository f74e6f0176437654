/**
 * Every example API, built in-process with its `createApp` factory and fed real tokens from the
 * demo's oidc-provider over real HTTP on 127.0.0.1. Every answer is asserted whole: status,
 * `WWW-Authenticate` and body, identical for Express, Koa, Fastify, Hono and NestJS. The example servers
 * (`src/server.ts`) are also started from environment variables, as `pnpm --filter … start` does.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthorizationServer, startAuthorizationServer } from "../src/authorization-server.js";
import { type DemoClient, ORDERS_API_CLIENT, READER_CLIENT, WRITER_CLIENT } from "../src/clients.js";
import { send } from "../src/http-exchange.js";
import { FRAMEWORKS, type RunningApi, startOrdersApi } from "../src/start-api.js";
import { buildTokenRequest, readTokenResponse } from "../src/token-request.js";
import { runScript, startScript } from "./child-process.js";

let as: AuthorizationServer;
let writerToken: string;
let readerToken: string;

async function tokenFor(client: DemoClient): Promise<string> {
  const grant = readTokenResponse(await send(buildTokenRequest(as.tokenEndpoint, client, client.scope)));
  if (!grant) throw new Error(`no token for ${client.clientId}`);
  return grant.accessToken;
}

beforeAll(async () => {
  as = await startAuthorizationServer({ accessTokenTtl: 300 });
  writerToken = await tokenFor(WRITER_CLIENT);
  readerToken = await tokenFor(READER_CLIENT);
});
afterAll(() => as.close());

interface Answer {
  status: number;
  challenge: string | null;
  body: unknown;
}

async function call(api: RunningApi, method: "GET" | "POST", path: string, token?: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    body: text ? JSON.parse(text) : undefined,
  } satisfies Answer;
}

/** A copy of `token` with one character of its signature changed. */
function breakSignature(token: string): string {
  const [header, payload, signature = ""] = token.split(".");
  const middle = Math.floor(signature.length / 2);
  const swapped = signature[middle] === "A" ? "B" : "A";
  return `${header}.${payload}.${signature.slice(0, middle)}${swapped}${signature.slice(middle + 1)}`;
}

describe.each(FRAMEWORKS)("the %s orders API", (framework) => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startOrdersApi(framework, { issuer: as.issuer, audience: as.audience });
  });
  afterAll(() => api.close());

  it("answers GET /health without a token", async () => {
    expect(await call(api, "GET", "/health")).toEqual({
      status: 200,
      challenge: null,
      body: { status: "ok" },
    });
  });

  it("lists orders for a token with orders:read, naming the client from the token", async () => {
    const answer = await call(api, "GET", "/orders", readerToken);
    expect(answer.status).toBe(200);
    expect(answer.challenge).toBeNull();
    expect(answer.body).toMatchObject({
      client: "orders-reader",
      orders: [{ id: "ord_1001", item: "espresso beans", quantity: 2, createdBy: "seed" }],
    });
  });

  it("creates an order for a token with orders:write", async () => {
    const answer = await call(api, "POST", "/orders", writerToken, { item: "green tea", quantity: 3 });
    expect(answer).toEqual({
      status: 201,
      challenge: null,
      body: { id: "ord_1002", item: "green tea", quantity: 3, createdBy: "orders-writer" },
    });
  });

  it("refuses an order without an item with 400 and no challenge", async () => {
    const answer = await call(api, "POST", "/orders", writerToken, { quantity: 3 });
    expect(answer.status).toBe(400);
    expect(answer.challenge).toBeNull();
  });

  it("answers 403 insufficient_scope to a read-only token on POST /orders", async () => {
    expect(await call(api, "POST", "/orders", readerToken, { item: "green tea", quantity: 3 })).toEqual({
      status: 403,
      challenge: 'Bearer realm="api", error="insufficient_scope", scope="orders:write"',
      body: {
        error: "insufficient_scope",
        error_description: "The token lacks a scope this resource requires",
      },
    });
  });

  it("answers 401 invalid_token to a token whose signature was altered", async () => {
    expect(await call(api, "GET", "/orders", breakSignature(writerToken))).toEqual({
      status: 401,
      challenge:
        'Bearer realm="api", error="invalid_token", error_description="Signature verification failed"',
      body: { error: "invalid_token", error_description: "Signature verification failed" },
    });
  });

  it("answers a bare 401 challenge to a request without a token", async () => {
    expect(await call(api, "GET", "/orders")).toEqual({
      status: 401,
      challenge: 'Bearer realm="api"',
      body: { error: "unauthorized", error_description: "Bearer authentication is required" },
    });
  });

  it("answers 400 invalid_request to a Bearer header without a token", async () => {
    const response = await fetch(`${api.url}/orders`, { headers: { authorization: "Bearer " } });
    expect(response.status).toBe(400);
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="api", error="invalid_request", /,
    );
  });

  it("refuses a real token issued for another audience", async () => {
    const other = await startOrdersApi(framework, {
      issuer: as.issuer,
      audience: "https://billing.example.com",
    });
    try {
      expect(await call(other, "GET", "/orders", writerToken)).toEqual({
        status: 401,
        challenge:
          'Bearer realm="api", error="invalid_token", error_description="The token\'s audience is not accepted"',
        body: { error: "invalid_token", error_description: "The token's audience is not accepted" },
      });
    } finally {
      await other.close();
    }
  });

  it("accepts tokens when the JWKS location is given instead of discovered", async () => {
    const direct = await startOrdersApi(framework, {
      issuer: as.issuer,
      audience: as.audience,
      jwksUri: as.jwksUri,
    });
    try {
      expect((await call(direct, "GET", "/orders", writerToken)).status).toBe(200);
    } finally {
      await direct.close();
    }
  });
});

// Each test starts a Node process through tsx, all at once: on a busy 2-core machine that takes a while.
const CHILD_TIMEOUT_MS = 90_000;

describe.concurrent("the example servers", () => {
  it.each(FRAMEWORKS)(
    "%s starts from ISSUER, AUDIENCE and PORT, serves, and stops on SIGTERM",
    async (framework) => {
      const server = startScript(`examples/${framework}/src/server.ts`, [], {
        ISSUER: as.issuer,
        AUDIENCE: as.audience,
        PORT: "0",
      });
      try {
        const [, url] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+),/);
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(200);
        const orders = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${writerToken}` } });
        expect(orders.status).toBe(200);
        server.child.kill("SIGTERM");
        const { code, stderr } = await server.finished;
        expect(code).toBe(0);
        expect(stderr).toBe("");
      } finally {
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
      }
    },
    CHILD_TIMEOUT_MS,
  );

  it.each(FRAMEWORKS)(
    "%s exits 1 with a hint when ISSUER is not set",
    async (framework) => {
      const { code, stderr } = await runScript(`examples/${framework}/src/server.ts`, [], {
        ISSUER: "",
        AUDIENCE: "https://orders.example.com",
      });
      expect(code).toBe(1);
      expect(stderr).toContain("Set ISSUER and AUDIENCE");
    },
    CHILD_TIMEOUT_MS,
  );
});

describe("the example servers with opaque tokens", () => {
  let opaqueAs: AuthorizationServer;
  let opaqueToken: string;
  beforeAll(async () => {
    opaqueAs = await startAuthorizationServer({ accessTokenTtl: 300, accessTokenFormat: "opaque" });
    const grant = readTokenResponse(
      await send(buildTokenRequest(opaqueAs.tokenEndpoint, WRITER_CLIENT, WRITER_CLIENT.scope)),
    );
    opaqueToken = grant?.accessToken ?? "";
  });
  afterAll(() => opaqueAs.close());

  it.concurrent.each(FRAMEWORKS)(
    "%s introspects opaque tokens when INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET are set",
    async (framework) => {
      const server = startScript(`examples/${framework}/src/server.ts`, [], {
        ISSUER: opaqueAs.issuer,
        AUDIENCE: opaqueAs.audience,
        INTROSPECTION_CLIENT_ID: ORDERS_API_CLIENT.clientId,
        INTROSPECTION_CLIENT_SECRET: ORDERS_API_CLIENT.clientSecret,
        PORT: "0",
      });
      try {
        const [, url] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+),/);
        expect(opaqueToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const orders = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${opaqueToken}` } });
        expect(orders.status).toBe(200);
        expect(await orders.json()).toMatchObject({ client: WRITER_CLIENT.clientId });
        const unknown = await fetch(`${url}/orders`, { headers: { authorization: "Bearer no-such-token" } });
        expect(unknown.status).toBe(401);
        expect(unknown.headers.get("www-authenticate")).toBe(
          'Bearer realm="api", error="invalid_token", error_description="The token is not active"',
        );
        server.child.kill("SIGTERM");
        const { code, stderr } = await server.finished;
        expect(code).toBe(0);
        expect(stderr).toBe("");
      } finally {
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
      }
    },
    90_000,
  );
});

// One at a time: each starts a TypeScript process, and the concurrent ones above are enough load.
describe("the example servers, on a taken port", () => {
  it.each(FRAMEWORKS)("%s exits 1 with the reason when its port is taken", async (framework) => {
    const taken = createServer();
    taken.listen(0, "127.0.0.1");
    await once(taken, "listening");
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runScript(`examples/${framework}/src/server.ts`, [], {
        ISSUER: as.issuer,
        AUDIENCE: as.audience,
        PORT: String(port),
      });
      expect({ code, stdout, stderr: stderr.trim() }).toEqual({
        code: 1,
        stdout: "",
        stderr: `Cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      });
    } finally {
      taken.close();
    }
  });
});
