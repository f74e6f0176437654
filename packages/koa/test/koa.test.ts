/**
 * What the Koa adapter does beyond the conformance table, on Koa 3 and 2: loud failure when
 * requireScopes runs without bearerAuth, errors an outer middleware can branch on, the CORS caveat of
 * `ctx.onerror`, options checked once at start-up, one verifier shared by several apps, requireClaims.
 */
import { createRequire } from "node:module";
import Router from "@koa/router";
import { createVerifier } from "@resource-guard/core";
import { bearerAuth, requireAnyScope, requireClaims, requireScopes } from "@resource-guard/koa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type KoaMajor, listen } from "./app.js";

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

async function serve(app: ReturnType<typeof createApp>): Promise<string> {
  const running = await listen(app);
  closers.push(running.close);
  return running.url;
}

const sign = (claims: Record<string, unknown> = {}) => idp.sign({ sub: "user-1", aud: AUDIENCE, ...claims });
const options = () => ({ issuer: idp.issuer, audience: AUDIENCE });
const get = (url: string, token?: string) =>
  fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

it("runs the aliased majors it claims to", () => {
  const require = createRequire(import.meta.url);
  expect(require("koa/package.json").version).toMatch(/^3\./);
  expect(require("koa2/package.json").version).toMatch(/^2\./);
});

describe.each([3, 2] as KoaMajor[])("koa %i", (major) => {
  it("fails loudly, naming the fix, when requireScopes runs without bearerAuth", async () => {
    const app = createApp(major);
    const seen: Error[] = [];
    app.on("error", (err: Error) => seen.push(err));
    const router = new Router();
    router.get("/orders", requireScopes("orders:read"), (ctx) => {
      ctx.body = "reached";
    });
    app.use(router.routes());
    const res = await get(`${await serve(app)}/orders`, await sign({ scope: "orders:read" }));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error");
    expect(seen.map((e) => e.message)).toEqual([
      "resource-guard: requireScopes() found no ctx.state.auth; add app.use(bearerAuth(options)) before it",
    ]);
  });

  it("throws HttpErrors an outer middleware can answer from err.code, err.status and err.headers", async () => {
    const app = createApp(major);
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        const e = err as { status: number; code?: string; headers: Record<string, string> };
        ctx.status = e.status;
        ctx.set(e.headers);
        ctx.set("access-control-allow-origin", "*");
        ctx.body = { error: e.code ?? "unauthorized" };
      }
    });
    app.use(bearerAuth(options()));
    const router = new Router();
    router.get("/orders", requireScopes(["orders:read"]), (ctx) => {
      ctx.body = "ok";
    });
    app.use(router.routes());
    const url = await serve(app);
    const missing = await get(`${url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
    expect(await missing.json()).toEqual({ error: "unauthorized" });
    const forbidden = await get(`${url}/orders`, await sign({ scope: "orders:write" }));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: "insufficient_scope" });
  });

  it("loses headers set before the error under Koa's default handling (the documented CORS caveat)", async () => {
    const app = createApp(major);
    app.use(async (ctx, next) => {
      ctx.set("access-control-allow-origin", "*");
      await next();
    });
    app.use(bearerAuth(options()));
    const res = await get(`${await serve(app)}/anything`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("shares one pre-built verifier between two apps: one discovery and one JWKS fetch", async () => {
    const shared = await startTestIdp();
    closers.push(() => shared.close());
    const verifier = createVerifier({ issuer: shared.issuer, audience: AUDIENCE });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = createApp(major);
      app.use(bearerAuth({ verifier }));
      app.use((ctx) => {
        ctx.body = { sub: ctx.state.auth?.claims.sub };
      });
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
    app.use(bearerAuth(options()));
    const router = new Router();
    router.get(
      "/acme",
      requireClaims((claims) => claims.tenant === "acme"),
      (ctx) => {
        ctx.body = "ok";
      },
    );
    app.use(router.routes());
    const url = await serve(app);
    expect((await get(`${url}/acme`, await sign({ tenant: "acme" }))).status).toBe(200);
    const refused = await get(`${url}/acme`, await sign({ tenant: "other" }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token", error_description="A required claim is missing or not accepted"',
    );
    expect(await refused.text()).toBe("A required claim is missing or not accepted");
  });

  it("takes a form-body token when allowFormBodyToken is on and a body parser ran first", async () => {
    const app = createApp(major);
    // A minimal urlencoded body parser standing in for koa-bodyparser: it sets ctx.request.body.
    app.use(async (ctx, next) => {
      let text = "";
      for await (const chunk of ctx.req) text += chunk;
      (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(text));
      await next();
    });
    app.use(bearerAuth({ ...options(), allowFormBodyToken: true }));
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.claims.sub };
    });
    const res = await fetch(`${await serve(app)}/me`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `access_token=${await sign()}`,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1" });
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
