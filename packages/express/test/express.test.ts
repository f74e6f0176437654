/**
 * What the Express adapter does beyond the conformance table, on Express 5 and 4: loud failure when
 * requireScopes runs without bearerAuth, errors a custom handler can branch on, options checked once
 * at start-up, one verifier shared by several apps, requireClaims, routers and the form-body method.
 */
import { createVerifier } from "@resource-guard/core";
import { bearerAuth, requireAnyScope, requireClaims, requireScopes } from "@resource-guard/express";
import type express5 from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseChallenges } from "../../../test/conformance/challenge-parser.js";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type ExpressMajor, expressOf, finalhandlerBody, listen } from "./app.js";

const AUDIENCE = "https://orders.api.test";
let idp: TestIdp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  idp = await startTestIdp();
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(async () => {
  vi.restoreAllMocks();
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

describe.each([5, 4] as ExpressMajor[])("express %i", (major) => {
  it("fails loudly, naming the fix, when requireScopes runs without bearerAuth", async () => {
    const app = createApp(major);
    const seen: unknown[] = [];
    app.get("/orders", requireScopes("orders:read"), (_req, res) => {
      res.send("reached");
    });
    app.use((err: Error, _req: express5.Request, _res: express5.Response, next: express5.NextFunction) => {
      seen.push(err);
      next(err);
    });
    const res = await get(`${await serve(app)}/orders`, await sign({ scope: "orders:read" }));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(finalhandlerBody(500));
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toBe(
      "resource-guard: requireScopes() found no req.auth; add app.use(bearerAuth(options)) before this route",
    );
  });

  it("passes errors to next(err) so a custom handler can answer from err.code, err.status and err.headers", async () => {
    const app = createApp(major);
    app.use(bearerAuth(options()));
    app.get("/orders", requireScopes("orders:read"), (_req, res) => {
      res.send("ok");
    });
    app.use(
      (
        err: { status: number; code?: string; headers: Record<string, string> },
        _req: express5.Request,
        res: express5.Response,
        _next: express5.NextFunction,
      ) => {
        res
          .status(err.status)
          .set(err.headers)
          .json({ error: err.code ?? "unauthorized" });
      },
    );
    const url = await serve(app);
    const missing = await get(`${url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await missing.json()).toEqual({ error: "unauthorized" });
    const forbidden = await get(`${url}/orders`, await sign({ scope: "orders:write" }));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: "insufficient_scope" });
    expect(parseChallenges(forbidden.headers.get("www-authenticate") ?? "")[0]?.params.scope).toBe(
      "orders:read",
    );
  });

  it("shares one pre-built verifier between two apps: one discovery and one JWKS fetch", async () => {
    const shared = await startTestIdp();
    closers.push(() => shared.close());
    const verifier = createVerifier({ issuer: shared.issuer, audience: AUDIENCE });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = createApp(major);
      app.use(bearerAuth({ verifier }));
      app.get("/me", (req, res) => {
        res.json({ sub: req.auth?.claims.sub });
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
    app.get(
      "/acme",
      requireClaims((claims) => claims.tenant === "acme"),
      (_req, res) => {
        res.send("ok");
      },
    );
    const url = await serve(app);
    expect((await get(`${url}/acme`, await sign({ tenant: "acme" }))).status).toBe(200);
    const refused = await get(`${url}/acme`, await sign({ tenant: "other" }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe(
      'Bearer realm="api", error="invalid_token", error_description="A required claim is missing or not accepted"',
    );
  });

  it("works inside a mounted Router, including the query method", async () => {
    const app = createApp(major);
    const router = expressOf(major).Router();
    router.use(bearerAuth({ ...options(), allowQueryToken: true }));
    router.get("/me", requireAnyScope(["orders:read", "orders:admin"]), (req, res) => {
      res.json({ sub: req.auth?.claims.sub });
    });
    app.use("/api", router);
    const token = await sign({ scope: "orders:admin" });
    const res = await fetch(`${await serve(app)}/api/me?access_token=${token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: "user-1" });
  });

  it("takes a form-body token when allowFormBodyToken is on and a body parser ran first", async () => {
    const app = createApp(major);
    app.use(expressOf(major).urlencoded({ extended: false }));
    app.use(bearerAuth({ ...options(), allowFormBodyToken: true }));
    app.post("/me", (req, res) => {
      res.json({ sub: req.auth?.claims.sub });
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
