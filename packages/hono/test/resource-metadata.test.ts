/**
 * The Hono side of RFC 9728 and route scopes beyond the conformance table (on Node, @hono/node-server):
 * the document is found at the host's root path, not under a sub-app's prefix; other requests go on
 * untouched; the document and `resource_metadata` come from the configuration, never from the Host
 * header Hono builds its URL from; `bearerAuth({ scopes })` names the scopes in its 401s, answers 403
 * without them, alike from the verified-token cache; and the setup mistakes are TypeErrors that name
 * the fix.
 */
import { request } from "node:http";
import { createVerifier } from "@resource-guard/core";
import { bearerAuth, protectedResourceMetadata } from "@resource-guard/hono";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { listenNode } from "./app.js";

const RESOURCE = "https://api.example.com/mcp";
const PATH = "/.well-known/oauth-protected-resource/mcp";
const METADATA_URL = `https://api.example.com${PATH}`;
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

async function serve(app: Pick<Hono, "fetch">): Promise<string> {
  const running = await listenNode(app);
  closers.push(running.close);
  return running.url;
}

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function ask(url: string, path: string, host: string) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; challenge: string | undefined; body: string }>((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"], body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("protectedResourceMetadata", () => {
  it("serves the document at the host's root path, not under a sub-app's prefix", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const api = new Hono();
    api.use(protectedResourceMetadata({ verifier }));
    api.get("/other", (c) => c.text("other"));
    const app = new Hono();
    app.route("/api", api);
    app.use(protectedResourceMetadata({ verifier }));
    const url = await serve(app);
    // Under /api the path is another one: passed on to the sub-app's routes, then 404.
    expect((await fetch(`${url}/api${PATH}`)).status).toBe(404);
    expect(await (await fetch(`${url}/api/other`)).text()).toBe("other");
    const res = await fetch(url + PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual(verifier.resourceMetadata?.document);
  });

  it("guards a sub-app whose 401s point to the document at the root", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const api = new Hono();
    api.use(bearerAuth({ verifier }));
    api.get("/me", (c) => c.text("me"));
    const app = new Hono();
    app.use(protectedResourceMetadata({ verifier }));
    app.route("/api", api);
    const url = await serve(app);
    const missing = await fetch(`${url}/api/me`);
    expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([
      401,
      `Bearer realm="api", resource_metadata="${METADATA_URL}"`,
    ]);
    const document = await fetch(url + PATH);
    expect([document.status, document.headers.get("www-authenticate")]).toEqual([200, null]);
  });

  it("takes the document and resource_metadata from the configuration, never from Host", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = new Hono();
    app.use(protectedResourceMetadata({ verifier }));
    app.use(bearerAuth({ verifier }));
    app.get("/mcp", (c) => c.text("mcp"));
    const url = await serve(app);
    const document = await ask(url, PATH, "evil.example");
    expect([document.status, JSON.parse(document.body).resource]).toEqual([200, RESOURCE]);
    expect(document.body).not.toContain("evil");
    const challenge = await ask(url, "/mcp", "evil.example");
    expect([challenge.status, challenge.challenge]).toEqual([
      401,
      `Bearer realm="api", resource_metadata="${METADATA_URL}"`,
    ]);
  });

  it("passes every other request on untouched, whatever its method", async () => {
    const app = new Hono();
    app.use(protectedResourceMetadata({ issuer: idp.issuer, resource: RESOURCE }));
    app.post("/mcp", (c) => c.text("posted", 201));
    const url = await serve(app);
    const res = await fetch(`${url}/mcp`, { method: "POST" });
    expect([res.status, await res.text()]).toEqual([201, "posted"]);
  });
});

describe("bearerAuth({ scopes })", () => {
  it("names the route's scopes in its 401, answers 403 without them, alike from the cache", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = new Hono();
    app.post("/mcp", bearerAuth({ verifier, scopes: "mcp:tools" }), (c) => c.json(c.get("auth").scopes));
    const url = await serve(app);
    const post = (token?: string) =>
      fetch(`${url}/mcp`, {
        method: "POST",
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    const missing = await post();
    expect([missing.status, missing.headers.get("www-authenticate")]).toEqual([
      401,
      `Bearer realm="api", scope="mcp:tools", resource_metadata="${METADATA_URL}"`,
    ]);
    expect(await missing.json()).toEqual({
      error: "unauthorized",
      error_description: "Bearer authentication is required",
    });
    const other = await idp.sign({ aud: RESOURCE, scope: "profile" });
    const good = await idp.sign({ aud: RESOURCE, scope: "mcp:tools" });
    // Three times each: the third answer comes from the verified-token cache, synchronously.
    for (let i = 0; i < 3; i++) {
      const forbidden = await post(other);
      expect([forbidden.status, forbidden.headers.get("www-authenticate")]).toEqual([
        403,
        `Bearer realm="api", error="insufficient_scope", scope="mcp:tools", resource_metadata="${METADATA_URL}"`,
      ]);
      expect(await forbidden.json()).toEqual({
        error: "insufficient_scope",
        error_description: "The token lacks a scope this resource requires",
      });
      const ok = await post(good);
      expect([ok.status, await ok.json()]).toEqual([200, ["mcp:tools"]]);
    }
  });
});

describe("construction-time checks", () => {
  it("refuses protectedResourceMetadata for a verifier without resource", () => {
    expect(() => protectedResourceMetadata({ issuer: "https://idp.example.com", audience: "a" })).toThrow(
      new TypeError(
        'resource-guard: protectedResourceMetadata() needs the "resource" option: the identifier clients use for this API, such as "https://api.example.com/mcp"',
      ),
    );
    expect(() => protectedResourceMetadata({ verifier: {} } as never)).toThrow(
      "resource-guard: protectedResourceMetadata() got { verifier } that is not one made by createVerifier()",
    );
  });

  it("checks bearerAuth's scopes where the route is declared, and still refuses unknown options", () => {
    const verifier = createVerifier({ issuer: "https://idp.example.com", resource: RESOURCE });
    expect(() => bearerAuth({ verifier, scopes: [] })).toThrow(TypeError);
    expect(() => bearerAuth({ verifier, scopes: "a b" })).toThrow(/a scope is one non-empty word/);
    expect(() => bearerAuth({ verifier, scopes: ["a"], credentialsRequired: false } as never)).toThrow(
      new TypeError(
        'resource-guard: bearerAuth() got "scopes" and "credentialsRequired: false"; a route that requires scopes requires credentials',
      ),
    );
    expect(() => bearerAuth({ verifier, scopes: ["a"], audience: "x" } as never)).toThrow(
      "resource-guard: bearerAuth() takes either { verifier } or verifier options, not both (got audience too)",
    );
    expect(() =>
      bearerAuth({ issuer: "https://idp.example.com", audience: "a", scopes: ["a"], scope: ["b"] } as never),
    ).toThrow(/unknown option "scope"/);
  });
});
