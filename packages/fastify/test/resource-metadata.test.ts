/**
 * The Fastify side of RFC 9728 beyond the conformance table, on Fastify 5 and 4: the plugin serves the
 * document without authentication only when `resource` is set, in whatever hook authenticates, before
 * any route of the app; `config: { scopes }` is checked where the route is declared and its 401s name
 * the scopes; a route that opts out cannot require scopes.
 */
import { createVerifier } from "@resource-guard/core";
import resourceGuard from "@resource-guard/fastify";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type FastifyMajor, listen } from "./app.js";

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

async function serve(app: FastifyInstance): Promise<string> {
  const running = await listen(app);
  closers.push(running.close);
  return running.url;
}

describe.each([5, 4] as FastifyMajor[])("fastify %i", (major) => {
  it("serves the document in the form-body setup too (authentication in preValidation)", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE, allowFormBodyToken: true });
    const app = createApp(major);
    await app.register(resourceGuard, { verifier });
    const url = await serve(app);
    const res = await fetch(url + PATH);
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/json"]);
    expect(((await res.json()) as { bearer_methods_supported: unknown }).bearer_methods_supported).toEqual([
      "header",
      "body",
    ]);
  });

  it("does not serve the document without resource", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, { issuer: idp.issuer, audience: "a" });
    const url = await serve(app);
    expect((await fetch(url + PATH)).status).toBe(401);
  });

  it("names config.scopes in the route's 401 and 403", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, { issuer: idp.issuer, resource: RESOURCE });
    app.post("/mcp", { config: { scopes: "mcp:tools" } }, async (request) => request.auth?.scopes);
    const url = await serve(app);
    const missing = await fetch(`${url}/mcp`, { method: "POST" });
    expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([
      401,
      `Bearer realm="api", scope="mcp:tools", resource_metadata="https://api.example.com${PATH}"`,
    ]);
    const token = await idp.sign({ aud: RESOURCE, scope: "mcp:tools" });
    const ok = await fetch(`${url}/mcp`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect([ok.status, await ok.json()]).toEqual([200, ["mcp:tools"]]);
  });

  it("requires a route's config.scopes even where the plugin lets requests without credentials through", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, { issuer: idp.issuer, resource: RESOURCE, credentialsRequired: false });
    app.get("/open", async (request) => ({ anonymous: request.auth === null }));
    app.post("/mcp", { config: { scopes: ["mcp:tools"] } }, async () => "reached");
    const url = await serve(app);
    expect(await (await fetch(`${url}/open`)).json()).toEqual({ anonymous: true });
    const missing = await fetch(`${url}/mcp`, { method: "POST" });
    expect([missing.status, missing.headers.get("www-authenticate"), await missing.text()]).toEqual([
      401,
      `Bearer realm="api", scope="mcp:tools", resource_metadata="https://api.example.com${PATH}"`,
      JSON.stringify({
        statusCode: 401,
        error: "Unauthorized",
        message: "Bearer authentication is required",
      }),
    ]);
  });

  it("refuses bad config.scopes, and scopes on a route that opts out, where the route is declared", async () => {
    const app = createApp(major);
    await app.register(resourceGuard, { issuer: idp.issuer, audience: "a" });
    expect(() => app.get("/a", { config: { scopes: [] } }, async () => "a")).toThrow(TypeError);
    expect(() => app.get("/b", { config: { scopes: "b c" } }, async () => "b")).toThrow(
      /a scope is one non-empty word/,
    );
    expect(() => app.get("/c", { config: { auth: false, scopes: ["c"] } }, async () => "c")).toThrow(
      "resource-guard: route /c has config.auth false and config.scopes; a route without authentication cannot require scopes",
    );
    await app.close();
  });
});
