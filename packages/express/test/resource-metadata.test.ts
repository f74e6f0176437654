/**
 * The Express side of RFC 9728 beyond the conformance table, on Express 5 and 4: the document is found
 * at the host's root path whatever router `protectedResourceMetadata` is mounted on, other requests go
 * on untouched, `bearerAuth({ scopes })` checks its arguments where the route is declared, and the
 * setup mistakes are TypeErrors that name the fix.
 */
import { request } from "node:http";
import { createVerifier } from "@resource-guard/core";
import { bearerAuth, protectedResourceMetadata } from "@resource-guard/express";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { createApp, type ExpressMajor, expressOf, listen } from "./app.js";

const RESOURCE = "https://api.example.com/mcp";
const PATH = "/.well-known/oauth-protected-resource/mcp";
let idp: TestIdp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  idp = await startTestIdp();
  // Express's default handler logs every error outside env "test"; the apps run as "production".
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

describe.each([5, 4] as ExpressMajor[])("express %i", (major) => {
  it("serves the document from a router mounted under a prefix, by the full original path", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = createApp(major);
    const router = expressOf(major).Router();
    router.use(protectedResourceMetadata({ verifier }));
    router.get("/other", (_req, res) => {
      res.send("other");
    });
    app.use("/api", router);
    app.use(protectedResourceMetadata({ verifier }));
    const url = await serve(app);
    // Under /api the path is another one: passed on to the router's own routes, then 404.
    expect((await fetch(`${url}/api${PATH}`)).status).toBe(404);
    expect(await (await fetch(`${url}/api/other`)).text()).toBe("other");
    const res = await fetch(url + PATH);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(verifier.resourceMetadata?.document);
  });

  it("takes the document and resource_metadata from the configuration, never from Host or X-Forwarded-Host", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = createApp(major);
    app.set("trust proxy", true);
    app.use(protectedResourceMetadata({ verifier }));
    app.use(bearerAuth({ verifier }));
    const url = new URL(await serve(app));
    const ask = (path: string) =>
      new Promise<{ status: number; challenge: string | undefined; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path,
            headers: { host: "evil.example", "x-forwarded-host": "evil.example" },
          },
          (res) => {
            let body = "";
            res.on("data", (chunk) => {
              body += chunk;
            });
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"], body }),
            );
          },
        );
        req.on("error", reject);
        req.end();
      });
    const document = await ask(PATH);
    expect([document.status, JSON.parse(document.body).resource]).toEqual([200, RESOURCE]);
    expect(document.body).not.toContain("evil");
    const challenge = await ask("/mcp");
    expect([challenge.status, challenge.challenge]).toEqual([
      401,
      `Bearer realm="api", resource_metadata="https://api.example.com${PATH}"`,
    ]);
  });

  it("passes every other request on untouched, whatever its method", async () => {
    const app = createApp(major);
    app.use(protectedResourceMetadata({ issuer: idp.issuer, resource: RESOURCE }));
    app.post("/mcp", (_req, res) => {
      res.status(201).send("posted");
    });
    const url = await serve(app);
    const res = await fetch(`${url}/mcp`, { method: "POST" });
    expect([res.status, await res.text()]).toEqual([201, "posted"]);
  });

  it("requires the route's scopes in bearerAuth({ scopes }), 401 naming them first", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const app = createApp(major);
    app.post("/mcp", bearerAuth({ verifier, scopes: "mcp:tools" }), (req, res) => {
      res.json(req.auth?.scopes);
    });
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
});

describe("construction-time checks", () => {
  it("refuses protectedResourceMetadata for a verifier without resource", () => {
    expect(() => protectedResourceMetadata({ issuer: "https://idp.example.com", audience: "a" })).toThrow(
      new TypeError(
        'resource-guard: protectedResourceMetadata() needs the "resource" option: the identifier clients use for this API, such as "https://api.example.com/mcp"',
      ),
    );
  });

  it("checks bearerAuth's scopes where the route is declared, and still refuses unknown options", () => {
    const verifier = createVerifier({ issuer: "https://idp.example.com", resource: RESOURCE });
    expect(() => bearerAuth({ verifier, scopes: [] })).toThrow(TypeError);
    expect(() => bearerAuth({ verifier, scopes: "a b" })).toThrow(/a scope is one non-empty word/);
    expect(() => bearerAuth({ verifier, scopes: ["a"], credentialsRequired: false })).toThrow(
      'resource-guard: bearerAuth() got "scopes" and "credentialsRequired: false"; a route that requires scopes requires credentials',
    );
    expect(() => bearerAuth({ verifier, scopes: ["a"], audience: "x" } as never)).toThrow(
      "resource-guard: bearerAuth() takes either { verifier } or verifier options, not both (got audience too)",
    );
    expect(() =>
      bearerAuth({ issuer: "https://idp.example.com", audience: "a", scopes: ["a"], scope: ["b"] } as never),
    ).toThrow(/unknown option "scope"/);
  });
});
