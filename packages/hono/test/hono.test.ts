/**
 * What the Hono adapter does beyond the conformance table (on Node, @hono/node-server): loud failure
 * when a guard runs without bearerAuth, errors a custom `onError` can compose with, CORS headers
 * kept on errors, one verifier shared by two apps, requireClaims, mounted sub-apps and the query
 * method, the form-body method (and the route still reading the body), the TLS client certificate
 * read from the Node socket, and options checked once at start-up.
 */
import { createServer, request as httpsRequest } from "node:https";
import { type AddressInfo, connect } from "node:net";
import { serve } from "@hono/node-server";
import { type AuthResult, createVerifier, type Verifier } from "@resource-guard/core";
import {
  bearerAuth,
  type ResourceGuardEnv,
  requireAnyScope,
  requireClaims,
  requireScopes,
  toHTTPException,
} from "@resource-guard/hono";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseChallenges } from "../../../test/conformance/challenge-parser.js";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { makeTlsPairs } from "../../../test/support/tls.js";
import { listenNode } from "./app.js";

const AUDIENCE = "https://orders.api.test";
let idp: TestIdp;
const closers: Array<() => Promise<void>> = [];
const logged: unknown[][] = [];

beforeAll(async () => {
  idp = await startTestIdp();
  vi.spyOn(console, "error").mockImplementation((...args) => {
    logged.push(args);
  });
});
afterEach(async () => {
  logged.length = 0;
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await idp.close();
});

async function start(app: Pick<Hono, "fetch">): Promise<string> {
  const running = await listenNode(app);
  closers.push(running.close);
  return running.url;
}

const sign = (claims: Record<string, unknown> = {}) => idp.sign({ sub: "user-1", aud: AUDIENCE, ...claims });
const options = () => ({ issuer: idp.issuer, audience: AUDIENCE });
const get = (url: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` } });

describe("hono", () => {
  it("answers with the HTTPException's response: status, challenge and a JSON body", async () => {
    const app = new Hono().use(bearerAuth(options()));
    app.get("/orders", requireScopes("orders:read"), (c) => c.json({ sub: c.get("auth").claims.sub }));
    const url = await start(app);

    const missing = await get(`${url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(missing.headers.get("content-type")).toBe("application/json");
    expect(await missing.json()).toEqual({
      error: "unauthorized",
      error_description: "Bearer authentication is required",
    });

    const forbidden = await get(`${url}/orders`, await sign({ scope: "orders:write" }));
    expect(forbidden.status).toBe(403);
    expect(parseChallenges(forbidden.headers.get("www-authenticate") ?? "")).toEqual([
      { scheme: "Bearer", params: { realm: "api", error: "insufficient_scope", scope: "orders:read" } },
    ]);
    expect(await forbidden.json()).toEqual({
      error: "insufficient_scope",
      error_description: "The token lacks a scope this resource requires",
    });

    const ok = await get(`${url}/orders`, await sign({ scope: "orders:read" }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sub: "user-1" });
    expect(logged).toEqual([]);
  });

  it("reads headers on @hono/node-server as Fetch does: any case, and a repeated Authorization is one malformed value", async () => {
    const app = new Hono().use(bearerAuth(options()));
    app.get("/me", (c) => c.json({ sub: c.get("auth").claims.sub }));
    const url = await start(app);
    const token = await sign();
    // Sent over a socket as written: fetch() would join the two fields itself.
    const raw = (headers: string[]) =>
      new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
        const { port } = new URL(url);
        const lines = [
          `GET /me HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          "Connection: close",
          ...headers,
          "",
          "",
        ];
        const socket = connect(Number(port), "127.0.0.1", () => socket.write(lines.join("\r\n")));
        let text = "";
        socket.on("data", (chunk) => {
          text += chunk.toString("latin1");
        });
        socket.on("error", reject);
        socket.on("end", () =>
          resolve({
            status: Number(text.slice(9, 12)),
            challenge: /^www-authenticate: (.*)$/im.exec(text)?.[1]?.trim(),
          }),
        );
      });
    expect(await raw([`AUTHORIZATION: Bearer ${token}`])).toEqual({ status: 200, challenge: undefined });
    const twice = [`Authorization: Bearer ${token}`, `authorization: Bearer ${token}`];
    const malformed =
      'Bearer realm="api", error="invalid_request", error_description="The bearer token has characters outside the b64token syntax"';
    expect(await raw(twice)).toEqual({ status: 400, challenge: malformed });
    // The same answer as Hono gives a Fetch Request carrying the joined value (Bun, Deno).
    const fetched = await app.request("/me", {
      headers: { authorization: `Bearer ${token}, Bearer ${token}` },
    });
    expect([fetched.status, fetched.headers.get("www-authenticate")]).toEqual([400, malformed]);
  });

  it("fails loudly, naming the fix, when requireScopes runs without bearerAuth", async () => {
    const app = new Hono<ResourceGuardEnv>();
    app.get("/orders", requireScopes("orders:read"), (c) => c.text("reached"));
    const res = await get(`${await start(app)}/orders`, await sign({ scope: "orders:read" }));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(logged).toHaveLength(1);
    expect((logged[0] as [Error])[0].message).toBe(
      'resource-guard: requireScopes() found no c.get("auth"); add app.use(bearerAuth(options)) before this route',
    );
  });

  it("lets an app's own onError answer from the HTTPException and the core error in its cause", async () => {
    const app = new Hono().use(bearerAuth(options()));
    app.get("/orders", requireScopes("orders:read"), (c) => c.text("ok"));
    app.onError((err, c) => {
      if (!(err instanceof HTTPException)) return c.text("oops", 500);
      const cause = err.cause as { code?: string; headers: Record<string, string> };
      const res = err.getResponse();
      res.headers.set("x-error-code", cause.code ?? "none");
      return res;
    });
    const url = await start(app);
    const forbidden = await get(`${url}/orders`, await sign({ scope: "profile" }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("x-error-code")).toBe("insufficient_scope");
    expect(forbidden.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="api", error="insufficient_scope"/,
    );
    const missing = await get(`${url}/orders`);
    expect(missing.headers.get("x-error-code")).toBe("none");
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("keeps the CORS headers of middleware that ran before it on a 401", async () => {
    const app = new Hono();
    app.use(cors({ origin: "https://app.example.com", exposeHeaders: ["WWW-Authenticate"] }));
    app.use(bearerAuth(options()));
    app.get("/me", (c) => c.text("ok"));
    const res = await get(`${await start(app)}/me`, undefined, { origin: "https://app.example.com" });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-expose-headers")).toBe("WWW-Authenticate");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("answers 503 with Retry-After and a JSON body when the keys cannot be had", async () => {
    const down = await startTestIdp();
    closers.push(() => down.close());
    down.fault = "status-500";
    const app = new Hono().use(bearerAuth({ issuer: down.issuer, audience: AUDIENCE }));
    app.get("/me", (c) => c.text("ok"));
    const res = await get(`${await start(app)}/me`, await down.sign({ sub: "user-1", aud: AUDIENCE }));
    expect(res.status).toBe(503);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(res.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
    expect(await res.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "The signing keys are unavailable; try again later",
    });
  });

  it("shares one pre-built verifier between two apps: one discovery and one JWKS fetch", async () => {
    const shared = await startTestIdp();
    closers.push(() => shared.close());
    const verifier = createVerifier({ issuer: shared.issuer, audience: AUDIENCE });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = new Hono().use(bearerAuth({ verifier }));
      app.get("/me", (c) => c.json({ sub: c.get("auth").claims.sub }));
      urls.push(await start(app));
    }
    const token = await shared.sign({ sub: "user-1", aud: AUDIENCE });
    for (let i = 0; i < 3; i++) {
      for (const url of urls) expect((await get(`${url}/me`, token)).status).toBe(200);
    }
    expect(shared.metadataHits).toBe(1);
    expect(shared.jwksHits).toBe(1);
  });

  it("accepts or refuses with requireClaims, answering 401 invalid_token", async () => {
    const app = new Hono().use(bearerAuth(options()));
    app.get(
      "/acme",
      requireClaims((claims) => claims.tenant === "acme"),
      (c) => c.text("ok"),
    );
    const url = await start(app);
    expect((await get(`${url}/acme`, await sign({ tenant: "acme" }))).status).toBe(200);
    const refused = await get(`${url}/acme`, await sign({ tenant: "other" }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token", error_description="A required claim is missing or not accepted"',
    );
    expect(await refused.json()).toEqual({
      error: "invalid_token",
      error_description: "A required claim is missing or not accepted",
    });
  });

  it("guards only the paths it is mounted on, in a sub-app, with the query method", async () => {
    const api = new Hono<ResourceGuardEnv>();
    api.use("/*", bearerAuth({ ...options(), allowQueryToken: true }));
    api.get("/me", requireAnyScope(["orders:read", "orders:admin"]), (c) =>
      c.json({ sub: c.get("auth").claims.sub, path: c.req.path }),
    );
    const app = new Hono();
    app.get("/health", (c) => c.json({ ok: true }));
    app.route("/api", api);
    const url = await start(app);
    expect((await get(`${url}/health`)).status).toBe(200);
    const token = await sign({ scope: "orders:admin" });
    const res = await fetch(`${url}/api/me?access_token=${token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1", path: "/api/me" });
    expect((await get(`${url}/api/me`)).status).toBe(401);
  });

  it("takes a form-body token when allowFormBodyToken is on, and the route still reads the body", async () => {
    const app = new Hono().use(bearerAuth({ ...options(), allowFormBodyToken: true }));
    app.post("/me", async (c) => {
      const body = await c.req.parseBody();
      return c.json({ sub: c.get("auth").claims.sub, item: body.item });
    });
    const res = await fetch(`${await start(app)}/me`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `item=tea&access_token=${await sign()}`,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1", item: "tea" });
  });

  it("does not read a form body for a token when allowFormBodyToken is off", async () => {
    const app = new Hono().use(bearerAuth(options()));
    app.post("/me", (c) => c.text("reached"));
    const res = await fetch(`${await start(app)}/me`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${await sign()}`,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("hands core the client certificate of the TLS connection on @hono/node-server", async () => {
    const { server: serverPair, client } = makeTlsPairs();
    const real = createVerifier(options());
    const seen: unknown[] = [];
    // The real verifier, observed: what the adapter's reader returns for this request (RFC 8705).
    const verifier: Verifier = {
      ...real,
      authenticateMaybeSync: (request, readers) => {
        seen.push(readers?.clientCertificate?.(request));
        return real.authenticateMaybeSync(request, readers);
      },
    };
    const app = new Hono().use(bearerAuth({ verifier }));
    app.get("/me", (c) => c.json({ sub: c.get("auth").claims.sub }));
    const server = serve({
      fetch: app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      createServer,
      serverOptions: {
        key: serverPair.key,
        cert: serverPair.cert,
        requestCert: true,
        rejectUnauthorized: false,
      },
    });
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as AddressInfo;
    const token = await sign();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/me",
          headers: { authorization: `Bearer ${token}` },
          key: client.key,
          cert: client.cert,
          rejectUnauthorized: false,
          agent: false,
        },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.once("error", reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(Buffer.from(seen[0] as Uint8Array).equals(client.der)).toBe(true);
    // Plain HTTP: no certificate.
    const plain = new Hono().use(bearerAuth({ verifier }));
    plain.get("/me", (c) => c.text("ok"));
    expect((await get(`${await start(plain)}/me`, token)).status).toBe(200);
    expect(seen[1]).toBeUndefined();
  });
});

describe("headers on success", () => {
  it("sets the headers core returns with a result (a fresh DPoP-Nonce) on the response", async () => {
    const real = createVerifier(options());
    // The real verifier, its result given response headers as DPoP nonces would (RFC 9449 §8.2).
    // Answered asynchronously first, then from the verified-token cache without a promise.
    const withNonce = (auth: AuthResult): AuthResult => ({
      ...auth,
      responseHeaders: { "DPoP-Nonce": "n-1" },
    });
    const verifier: Verifier = {
      ...real,
      authenticateMaybeSync: (request, readers) => {
        const result = real.authenticateMaybeSync(request, readers);
        return result instanceof Promise ? result.then(withNonce) : withNonce(result);
      },
    };
    const app = new Hono().use(bearerAuth({ verifier }));
    app.get("/me", (c) => c.json({ sub: c.get("auth").claims.sub }));
    const url = await start(app);
    const token = await sign();
    for (let i = 0; i < 3; i++) {
      const res = await get(`${url}/me`, token);
      expect(res.status).toBe(200);
      expect(res.headers.get("dpop-nonce")).toBe("n-1");
      expect(await res.json()).toEqual({ sub: "user-1" });
    }
  });
});

describe("toHTTPException", () => {
  it("returns anything that is not an HTTP error unchanged", () => {
    const bug = new TypeError("x is undefined");
    expect(toHTTPException(bug)).toBe(bug);
    expect(toHTTPException("text")).toBe("text");
    expect(toHTTPException(Object.assign(new Error("status 200"), { status: 200 }))).toBeInstanceOf(Error);
    expect(toHTTPException(Object.assign(new Error("status 200"), { status: 200 }))).not.toBeInstanceOf(
      HTTPException,
    );
  });
});

describe("construction-time checks", () => {
  it("builds the verifier at start-up, so a bad option throws there and not per request", () => {
    expect(() =>
      bearerAuth({ issuer: "https://idp.test", audience: AUDIENCE, clockTolerence: 5 } as never),
    ).toThrow(TypeError);
  });

  it("refuses { verifier } mixed with verifier options, and a verifier that is not one", () => {
    const verifier = createVerifier(options());
    expect(() => bearerAuth({ verifier, audience: AUDIENCE } as never)).toThrow(
      "resource-guard: bearerAuth() takes either { verifier } or verifier options, not both (got audience too)",
    );
    expect(() => bearerAuth({ verifier: {} } as never)).toThrow(
      "resource-guard: bearerAuth() got { verifier } that is not one made by createVerifier()",
    );
  });

  it("validates scope lists where the route is declared", () => {
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireScopes([])).toThrow(TypeError);
    expect(() => requireScopes("orders:read orders:write")).toThrow(TypeError);
    expect(() => requireAnyScope()).toThrow(/requireAnyScope\(\)/);
    expect(() => requireClaims("tenant" as never)).toThrow(
      "resource-guard: requireClaims() needs a predicate function",
    );
  });
});
