/**
 * Auth0, emulated (vendors/auth0.ts), verified through the `auth0()` preset by core and each adapter:
 * `/oauth/token` with an `audience` (JSON and form bodies), the issuer's trailing slash, RBAC
 * `permissions`, the opaque token Auth0 hands out without an audience, the RFC 9068 profile with a
 * strict `typ`, HS256 APIs verified with their secret, and the missing trailing slash reported at
 * start-up by core's metadata issuer check when the preset is not used.
 */
import { auth0, createVerifier } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type RunningApp } from "../conformance/harness.js";
import { expectAccepted, expectInsufficientScope, expectInvalidToken, HARNESSES } from "./apps.js";
import { type Auth0Api, Auth0Emulator } from "./vendors/auth0.js";
import { requestToken } from "./vendors/vendor-server.js";

const CLIENT = { id: "Zk3mPq7RtXw2Yb9Lc4Nd8Vf1Hg6Js0Ae", secret: "auth0-secret" };
const ORDERS_API = "https://api.example.com/orders";
const ORDERS: Auth0Api = { permissions: ["orders:read", "orders:write"], addPermissions: true };
const HS_SECRET = "an-hs256-signing-secret-of-32-bytes!";

let tenant: Auth0Emulator;

beforeAll(async () => {
  tenant = await new Auth0Emulator({
    apis: {
      [ORDERS_API]: ORDERS,
      "https://api.example.com/reports": { permissions: ["reports:read"] },
      "https://api.example.com/hs": { permissions: ["orders:read"], secret: HS_SECRET },
    },
    clients: { [CLIENT.id]: { secret: CLIENT.secret } },
  }).start();
});
afterAll(() => tenant.close());

async function fetchToken(
  audience: string | undefined,
  how: "json" | "post" | "basic" = "json",
): Promise<string> {
  const res = await requestToken(
    tenant.tokenEndpoint,
    CLIENT,
    audience === undefined ? {} : { audience },
    how,
  );
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe.each(HARNESSES)("Auth0 through $name", (harness) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await harness.start(auth0({ baseUrl: tenant.baseUrl, audience: ORDERS_API }));
  });
  afterAll(() => app.close());

  it("accepts a token requested with an audience (JSON body) under the issuer with its trailing slash", async () => {
    await expectAccepted(
      app,
      await fetchToken(ORDERS_API),
      { sub: `${CLIENT.id}@clients`, scopes: ["orders:read", "orders:write"] },
      ROUTES.orders,
    );
  });

  it("accepts a token requested with a form body", async () => {
    await expectAccepted(app, await fetchToken(ORDERS_API, "post"), {
      sub: `${CLIENT.id}@clients`,
      scopes: ["orders:read", "orders:write"],
    });
  });

  it("refuses the opaque token Auth0 issues when no audience is requested", async () => {
    const token = await fetchToken(undefined);
    expect(token.split(".")).toHaveLength(1);
    await expectInvalidToken(harness, app, token, "malformed");
  });

  it("refuses a token for another API of the tenant", async () => {
    await expectInvalidToken(harness, app, await fetchToken("https://api.example.com/reports"), "audience");
  });

  it("does not read permissions unless asked to", async () => {
    const token = await tenant.accessToken(CLIENT.id, ORDERS_API, ORDERS, { scope: "orders:write" });
    await expectAccepted(app, token, { sub: `${CLIENT.id}@clients`, scopes: ["orders:write"] });
    await expectInsufficientScope(harness, app, token);
  });
});

describe("Auth0 emulator and core", () => {
  it("authorises on RBAC permissions with permissions: true", async () => {
    const verifier = createVerifier(
      auth0({ baseUrl: tenant.baseUrl, audience: ORDERS_API, permissions: true }),
    );
    const auth = await verifier.verify(
      await tenant.accessToken(CLIENT.id, ORDERS_API, ORDERS, { scope: "orders:write" }),
    );
    expect([...auth.scopes].sort()).toEqual(["orders:read", "orders:write"]);
    expect(() => verifier.assertScopes(auth, ["orders:read"])).not.toThrow();
  });

  it('keeps "Auth0"-profile tokens out when the API asks for RFC 9068 with typ: "at+jwt"', async () => {
    const verifier = createVerifier(auth0({ baseUrl: tenant.baseUrl, audience: ORDERS_API, typ: "at+jwt" }));
    const rfc9068 = await tenant.accessToken(CLIENT.id, ORDERS_API, { ...ORDERS, profile: "rfc9068" });
    const auth = await verifier.verify(rfc9068);
    expect([auth.header.typ, auth.claims.client_id]).toEqual(["at+jwt", CLIENT.id]);
    await expect(verifier.verify(await fetchToken(ORDERS_API))).rejects.toMatchObject({
      status: 401,
      reason: "typ",
    });
  });

  it("accepts a user token whose aud also lists the tenant's userinfo endpoint", async () => {
    const verifier = createVerifier(auth0({ baseUrl: tenant.baseUrl, audience: ORDERS_API }));
    const token = await tenant.accessToken(CLIENT.id, ORDERS_API, ORDERS, {
      aud: [ORDERS_API, `${tenant.baseUrl}/userinfo`],
      sub: "auth0|64f1c0ffee",
      scope: "openid profile orders:read",
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      scopes: ["openid", "profile", "orders:read"],
    });
  });

  it("verifies an HS256 API with its secret, and only with it", async () => {
    const hs = auth0({ baseUrl: tenant.baseUrl, audience: "https://api.example.com/hs", secret: HS_SECRET });
    const verifier = createVerifier(hs);
    const auth = await verifier.verify(await fetchToken("https://api.example.com/hs"));
    expect(auth.header.alg).toBe("HS256");
    // The RS256 tokens of the same tenant need its key set, which this issuer does not have.
    const rs = createVerifier(auth0({ baseUrl: tenant.baseUrl, audience: ORDERS_API, secret: HS_SECRET }));
    await expect(rs.verify(await fetchToken(ORDERS_API))).rejects.toMatchObject({
      status: 401,
      reason: "algorithm",
    });
    // And an RS256 verifier never treats the secret-signed token as valid.
    const keyed = createVerifier(auth0({ baseUrl: tenant.baseUrl, audience: "https://api.example.com/hs" }));
    await expect(keyed.verify(await fetchToken("https://api.example.com/hs"))).rejects.toMatchObject({
      status: 401,
      reason: "algorithm",
    });
  });

  it("refuses at start-up an issuer configured without the trailing slash, saying so", async () => {
    const verifier = createVerifier({ issuer: tenant.baseUrl, audience: ORDERS_API });
    await expect(verifier.warmup()).rejects.toThrow(
      `the metadata names issuer "${tenant.issuer}" but "${tenant.baseUrl}" is configured — they differ only by a ` +
        `trailing slash; issuers match exactly, so configure "${tenant.issuer}"`,
    );
  });
});
