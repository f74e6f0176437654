/**
 * What the Fastify plugin does beyond the conformance table, on Fastify 5 and 4: encapsulation as
 * fastify-plugin users expect, Fastify's own register options kept from core, loud failure when a
 * scope check has no token to check, a custom error handler, one verifier shared by several apps,
 * requireClaims, and the form-body method (authenticated in preValidation, after body parsing).
 */
import { createRequire } from "node:module";
import { createVerifier } from "@resource-guard/core";
import resourceGuard, { resourceGuard as named } from "@resource-guard/fastify";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type FastifyMajor, listen } from "./app.js";

const AUDIENCE = "https://orders.api.test";
let idp: TestIdp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  idp = await startTestIdp();
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  await idp.close();
});

async function serve(app: FastifyInstance): Promise<string> {
  const running = await listen(app);
  closers.push(running.close);
  return running.url;
}

const sign = (claims: Record<string, unknown> = {}) => idp.sign({ sub: "user-1", aud: AUDIENCE, ...claims });
const options = () => ({ issuer: idp.issuer, audience: AUDIENCE });
const get = (url: string, token?: string) =>
  fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

it("runs the aliased majors it claims to, and exports the plugin both ways", () => {
  const require = createRequire(import.meta.url);
  expect(require("fastify/package.json").version).toMatch(/^5\./);
  expect(require("fastify4/package.json").version).toMatch(/^4\./);
  expect(named).toBe(resourceGuard);
});

describe.each([5, 4] as FastifyMajor[])("fastify %i", (major) => {
  it("guards the registering context and its children, not sibling contexts", async () => {
    const app = createApp(major);
    app.get("/root", async () => ({ open: true }));
    const child: FastifyPluginAsync = async (scope) => {
      scope.get("/guarded/child", { preHandler: scope.requireScopes("orders:read") }, async (request) => ({
        sub: request.auth?.claims.sub,
      }));
    };
    const guarded: FastifyPluginAsync = async (scope) => {
      await scope.register(resourceGuard, options());
      scope.get("/guarded", async (request) => ({ sub: request.auth?.claims.sub }));
      await scope.register(child);
    };
    const sibling: FastifyPluginAsync = async (scope) => {
      scope.get("/sibling", async () => ({ open: true }));
    };
    await app.register(guarded);
    await app.register(sibling);
    const url = await serve(app);
    expect(await (await get(`${url}/root`)).json()).toEqual({ open: true });
    expect(await (await get(`${url}/sibling`)).json()).toEqual({ open: true });
    expect((await get(`${url}/guarded`)).status).toBe(401);
    expect((await get(`${url}/guarded/child`)).status).toBe(401);
    expect(await (await get(`${url}/guarded`, await sign())).json()).toEqual({ sub: "user-1" });
    expect((await get(`${url}/guarded/child`, await sign())).status).toBe(403);
    expect((await get(`${url}/guarded/child`, await sign({ scope: "orders:read" }))).status).toBe(200);
  });

  it("keeps Fastify's own register options (prefix, logLevel) away from core", async () => {
    const app = createApp(major);
    const scoped: FastifyPluginAsync = async (scope) => {
      await scope.register(resourceGuard, { ...options(), prefix: "/ignored", logLevel: "warn" } as never);
      scope.get("/me", async (request) => ({ sub: request.auth?.claims.sub }));
    };
    await app.register(scoped, { prefix: "/api" });
    const url = await serve(app);
    expect(await (await get(`${url}/api/me`, await sign())).json()).toEqual({ sub: "user-1" });
  });

  it("refuses unknown options when the plugin loads", async () => {
    const app = createApp(major);
    await expect(app.register(resourceGuard, { ...options(), clockTolerence: 5 } as never)).rejects.toThrow(
      TypeError,
    );
  });

  it("fails loudly, naming the cause, when a scope check runs on an opted-out route", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, options());
    app.get(
      "/health",
      { config: { auth: false }, preHandler: app.requireScopes("orders:read") },
      async () => "reached",
    );
    const res = await get(`${await serve(app)}/health`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { message: string }).message).toBe(
      "resource-guard: requireScopes() found no request.auth; the route has config.auth false or the plugin is not registered in its context",
    );
  });

  it("requires config.scopes on a route declared before the plugin, which onRoute never saw", async () => {
    const app = createApp(major);
    app.get("/early", { config: { scopes: ["orders:write"] } }, async () => "early");
    app.get("/conflict", { config: { auth: false, scopes: "orders:write" } }, async () => "conflict");
    await app.register(resourceGuard, options());
    const url = await serve(app);
    const missing = await get(`${url}/early`);
    expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([
      401,
      'Bearer realm="api", scope="orders:write"',
    ]);
    for (let round = 0; round < 2; round++) {
      const forbidden = await get(`${url}/early`, await sign({ scope: "orders:read" }));
      expect([forbidden.status, forbidden.headers.get("www-authenticate")]).toEqual([
        403,
        'Bearer realm="api", error="insufficient_scope", scope="orders:write"',
      ]);
    }
    const allowed = await get(`${url}/early`, await sign({ scope: "orders:write" }));
    expect([allowed.status, await allowed.text()]).toEqual([200, "early"]);
    // Too late to refuse at start-up: the route fails closed, naming the mistake.
    const conflict = await get(`${url}/conflict`);
    expect(conflict.status).toBe(500);
    expect(((await conflict.json()) as { message: string }).message).toBe(
      "resource-guard: route /conflict has config.auth false and config.scopes; a route without authentication cannot require scopes",
    );
  });

  it("runs the guards that open a route's preHandlers in its hook, before the body is read, and the rest after", async () => {
    const app = createApp(major);
    const seen: string[] = [];
    const mine = (name: string) => (_request: unknown, _reply: unknown, done: () => void) => {
      seen.push(name);
      done();
    };
    await app.register(resourceGuard, options());
    app.post(
      "/folded",
      {
        preHandler: [
          app.requireScopes("orders:write"),
          app.requireAnyScope("a", "orders:read"),
          mine("after"),
        ],
      },
      async (request) => ({ scopes: request.auth?.scopes, seen }),
    );
    app.post(
      "/kept",
      { preHandler: [mine("before"), app.requireScopes("orders:write")] },
      async () => "kept",
    );
    const url = await serve(app);
    const post = async (path: string, scope: string, body = "{}") =>
      fetch(url + path, {
        method: "POST",
        headers: { authorization: `Bearer ${await sign({ scope })}`, "content-type": "application/json" },
        body,
      });
    // The body is not JSON: a guard that runs first answers before Fastify parses it.
    const early = await post("/folded", "orders:read", "{not json");
    expect([early.status, early.headers.get("www-authenticate")]).toEqual([
      403,
      'Bearer realm="api", error="insufficient_scope", scope="orders:write"',
    ]);
    const second = await post("/folded", "orders:write");
    expect([second.status, second.headers.get("www-authenticate")]).toEqual([
      403,
      'Bearer realm="api", error="insufficient_scope", scope="a orders:read"',
    ]);
    expect(seen).toEqual([]);
    const ok = await post("/folded", "orders:write orders:read");
    expect([ok.status, await ok.json()]).toEqual([
      200,
      { scopes: ["orders:write", "orders:read"], seen: ["after"] },
    ]);
    // After a preHandler of the app's own, a guard stays where it was written.
    expect((await post("/kept", "orders:read", "{not json")).status).toBe(400);
    const kept = await post("/kept", "orders:read");
    expect([kept.status, seen]).toEqual([403, ["after", "before"]]);
  });

  it("hands errors to a custom error handler with code, status and headers", async () => {
    const app = createApp(major);
    app.setErrorHandler(
      (err: { statusCode?: number; code?: string; headers?: Record<string, string> }, _req, reply) => {
        void reply
          .status(err.statusCode ?? 500)
          .headers(err.headers ?? {})
          .send({ error: err.code ?? "unauthorized" });
      },
    );
    await app.register(resourceGuard, options());
    app.get("/orders", { preHandler: app.requireScopes("orders:read") }, async () => "ok");
    const url = await serve(app);
    const missing = await get(`${url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await missing.json()).toEqual({ error: "unauthorized" });
    const forbidden = await get(`${url}/orders`, await sign({ scope: "orders:write" }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="insufficient_scope", scope="orders:read"',
    );
    expect(await forbidden.json()).toEqual({ error: "insufficient_scope" });
  });

  it("shares one pre-built verifier between two apps: one discovery and one JWKS fetch", async () => {
    const shared = await startTestIdp();
    closers.push(() => shared.close());
    const verifier = createVerifier({ issuer: shared.issuer, audience: AUDIENCE });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = createApp(major);
      await app.register(resourceGuard, { verifier });
      app.get("/me", async (request) => ({ sub: request.auth?.claims.sub }));
      urls.push(await serve(app));
    }
    const token = await shared.sign({ sub: "user-1", aud: AUDIENCE });
    for (let i = 0; i < 3; i++) {
      for (const url of urls) expect((await get(`${url}/me`, token)).status).toBe(200);
    }
    expect(shared.metadataHits).toBe(1);
    expect(shared.jwksHits).toBe(1);
  });

  it("accepts or refuses with requireClaims, answering 401 invalid_token", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, options());
    app.get(
      "/acme",
      { preHandler: app.requireClaims((claims) => claims.tenant === "acme") },
      async () => "ok",
    );
    const url = await serve(app);
    expect((await get(`${url}/acme`, await sign({ tenant: "acme" }))).status).toBe(200);
    const refused = await get(`${url}/acme`, await sign({ tenant: "other" }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token", error_description="A required claim is missing or not accepted"',
    );
  });

  it("takes a form-body token when allowFormBodyToken is on, authenticating after the body is parsed", async () => {
    const app = createApp(major);
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    await app.register(resourceGuard, { ...options(), allowFormBodyToken: true });
    app.post("/me", async (request) => ({ sub: request.auth?.claims.sub }));
    const res = await fetch(`${await serve(app)}/me`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${await sign()}`,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1" });
  });
});

it("authenticates in the hook named by the hook option, e.g. preValidation for a shared form-body verifier", async () => {
  const app = createApp(5);
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const verifier = createVerifier({ ...options(), allowFormBodyToken: true });
  await app.register(resourceGuard, { verifier, hook: "preValidation" });
  app.post("/me", async (request) => ({ sub: request.auth?.claims.sub }));
  const url = await serve(app);
  const post = async (body: string) =>
    fetch(`${url}/me`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
  const res = await post(`access_token=${await sign()}`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ sub: "user-1" });
  expect((await post("other=1")).status).toBe(401);
});

describe("construction-time checks", () => {
  it("refuses { verifier } mixed with verifier options, and a verifier that is not one", async () => {
    const verifier = createVerifier(options());
    await expect(
      createApp(5).register(resourceGuard, { verifier, audience: AUDIENCE } as never),
    ).rejects.toThrow(
      "resource-guard: register(resourceGuard) takes either { verifier } or verifier options, not both (got audience too)",
    );
    await expect(createApp(5).register(resourceGuard, { verifier: {} } as never)).rejects.toThrow(
      "resource-guard: register(resourceGuard) got { verifier } that is not one made by createVerifier()",
    );
  });

  it("refuses a hook it cannot authenticate in", async () => {
    await expect(
      createApp(5).register(resourceGuard, { ...options(), hook: "preHandler" } as never),
    ).rejects.toThrow('resource-guard: "hook" must be "onRequest" or "preValidation"');
  });

  it("validates scope lists where the route is declared", async () => {
    const app = createApp(5);
    await app.register(resourceGuard, options());
    expect(() => app.requireScopes()).toThrow(TypeError);
    expect(() => app.requireScopes("orders:read orders:write")).toThrow(TypeError);
    expect(() => app.requireAnyScope([])).toThrow(/requireAnyScope\(\)/);
    expect(() => app.requireClaims("tenant" as never)).toThrow(
      "resource-guard: requireClaims() needs a predicate function",
    );
    await app.close();
  });
});
