/**
 * Okta, emulated (vendors/okta.ts), verified through the `okta()` preset by core and each adapter:
 * tokens fetched over HTTP (Basic and form-body client authentication) with a header without `typ`,
 * `scp` arrays, the next key published ahead of use, and the trailing-slash mistake reported at
 * start-up by core's metadata issuer check when the preset is not used.
 */
import { createVerifier, okta } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type RunningApp } from "../conformance/harness.js";
import { expectAccepted, expectInsufficientScope, expectInvalidToken, HARNESSES } from "./apps.js";
import { OktaEmulator } from "./vendors/okta.js";
import { requestToken } from "./vendors/vendor-server.js";

const CLIENT = { id: "0oa8floriday1", secret: "okta-secret" };

let server: OktaEmulator;

beforeAll(async () => {
  server = await new OktaEmulator({
    audience: "api://orders",
    clients: { [CLIENT.id]: { secret: CLIENT.secret } },
    scopes: ["orders:read", "orders:write", "catalog:read"],
  }).start();
});
afterAll(() => server.close());

async function fetchToken(scope: string, how: "basic" | "post" = "basic"): Promise<string> {
  const res = await requestToken(server.tokenEndpoint, CLIENT, { scope }, how);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe.each(HARNESSES)("Okta through $name", (harness) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await harness.start(okta({ issuer: server.issuer, audience: "api://orders" }));
  });
  afterAll(() => app.close());

  it("accepts a token without typ header whose scopes are the scp array", async () => {
    const token = await fetchToken("orders:read catalog:read");
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(header).sort()).toEqual(["alg", "kid"]);
    await expectAccepted(
      app,
      token,
      { sub: CLIENT.id, scopes: ["orders:read", "catalog:read"] },
      ROUTES.orders,
    );
  });

  it("accepts a token of a client that sent form-body credentials, and 403s without the scope", async () => {
    const token = await fetchToken("catalog:read", "post");
    await expectAccepted(app, token, { sub: CLIENT.id, scopes: ["catalog:read"] });
    await expectInsufficientScope(harness, app, token);
  });

  it("accepts a token signed with the next key, published ahead of use", async () => {
    const token = await server.accessToken(CLIENT.id, ["orders:read"], { key: server.keys[1] });
    await expectAccepted(app, token, { sub: CLIENT.id, scopes: ["orders:read"] }, ROUTES.orders);
  });

  it("refuses a token for another authorization server's audience", async () => {
    const token = await server.accessToken(CLIENT.id, ["orders:read"], {
      overrides: { aud: "api://default" },
    });
    await expectInvalidToken(harness, app, token, "audience");
  });
});

describe("Okta emulator and core", () => {
  it("discovers the keys from the issuer alone", async () => {
    const verifier = createVerifier({
      issuer: server.issuer,
      audience: "api://orders",
      scopeClaims: ["scp"],
    });
    const auth = await verifier.verify(await fetchToken("orders:write"));
    expect(auth.scopes).toEqual(["orders:write"]);
  });

  it("refuses at start-up an issuer configured with a trailing slash, saying so", async () => {
    const verifier = createVerifier({ issuer: `${server.issuer}/`, audience: "api://orders" });
    await expect(verifier.warmup()).rejects.toThrow(
      `the metadata names issuer "${server.issuer}" but "${server.issuer}/" is configured — they differ only by a ` +
        `trailing slash; issuers match exactly, so configure "${server.issuer}"`,
    );
  });
});
