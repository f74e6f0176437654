/**
 * The Koa side of RFC 9728 beyond the conformance table, on Koa 3 and 2: the document is found by the
 * full original URL, other requests go on to `next()`, Koa's own response handling keeps the document's
 * headers (HEAD included), `bearerAuth({ scopes })` checks its arguments where the route is declared,
 * and the setup mistakes are TypeErrors that name the fix.
 */
import Router from "@koa/router";
import { createVerifier } from "@resource-guard/core";
import { bearerAuth, protectedResourceMetadata } from "@resource-guard/koa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type KoaMajor, listen } from "./app.js";

const RESOURCE = "https://api.example.com/mcp";
const PATH = "/.well-known/oauth-protected-resource/mcp";
let idp: TestIdp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  idp = await startTestIdp();
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(() => idp.close());

async function serve(app: ReturnType<typeof createApp>): Promise<string> {
  const running = await listen(app);
  closers.push(running.close);
  return running.url;
}

describe.each([3, 2] as KoaMajor[])("koa %i", (major) => {
  it("keeps the document's headers through an outer middleware, and passes other requests on", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = createApp(major);
    const seen: string[] = [];
    app.use(async (ctx, next) => {
      await next();
      seen.push(`${ctx.method} ${ctx.status}`);
    });
    app.use(protectedResourceMetadata({ verifier }));
    app.use((ctx) => {
      ctx.body = "app";
    });
    const url = await serve(app);
    const head = await fetch(url + PATH, { method: "HEAD" });
    const body = JSON.stringify(verifier.resourceMetadata?.document);
    expect([head.status, head.headers.get("content-length"), head.headers.get("content-type")]).toEqual([
      200,
      String(Buffer.byteLength(body)),
      "application/json",
    ]);
    expect(await (await fetch(`${url}/other`, { method: "POST" })).text()).toBe("app");
    expect(seen).toEqual(["HEAD 200", "POST 200"]);
  });

  it("requires the route's scopes in bearerAuth({ scopes }), 401 naming them first", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = createApp(major);
    const router = new Router();
    router.post("/mcp", bearerAuth({ verifier, scopes: ["mcp:tools"] }), (ctx) => {
      ctx.body = ctx.state.auth?.scopes;
    });
    app.use(router.routes());
    const url = await serve(app);
    const missing = await fetch(`${url}/mcp`, { method: "POST" });
    expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([
      401,
      `Bearer realm="api", scope="mcp:tools", resource_metadata="https://api.example.com${PATH}"`,
    ]);
    const token = await idp.sign({ aud: RESOURCE, scope: "profile" });
    const forbidden = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect([forbidden.status, forbidden.headers.get("www-authenticate")]).toEqual([
      403,
      `Bearer realm="api", error="insufficient_scope", scope="mcp:tools", resource_metadata="https://api.example.com${PATH}"`,
    ]);
  });
});

describe("construction-time checks", () => {
  it("refuses protectedResourceMetadata for a verifier without resource", () => {
    expect(() => protectedResourceMetadata({ issuer: "https://idp.example.com", audience: "a" })).toThrow(
      /protectedResourceMetadata\(\) needs the "resource" option/,
    );
  });

  it("checks bearerAuth's scopes where the route is declared", () => {
    const verifier = createVerifier({ issuer: "https://idp.example.com", resource: RESOURCE });
    expect(() => bearerAuth({ verifier, scopes: [] })).toThrow(TypeError);
    expect(() => bearerAuth({ verifier, scopes: ["a b"] })).toThrow(/a scope is one non-empty word/);
    expect(() => bearerAuth({ verifier, scopes: ["a"], credentialsRequired: false })).toThrow(
      /a route that requires scopes requires credentials/,
    );
  });
});
