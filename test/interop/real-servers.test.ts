/**
 * Real authorization servers, no emulation: oidc-provider mints RFC 9068 access tokens over HTTP for
 * a client authenticating with a Basic header and one sending form-body credentials
 * (`client_secret_post`); oauth2-mock-server is a second, independent issuer in the same
 * multi-issuer verifier, each issuer with its own settings. Expiry is tested by moving clocks: the
 * authorization server's (it mints a token in the past) and the verifier's (`now` moved forward past
 * a short lifetime). Every case runs through core and each adapter, on both supported majors.
 */
import type { VerifierOptions } from "@resource-guard/core";
import { createVerifier } from "@resource-guard/core";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { OAuth2Server } from "oauth2-mock-server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ROUTES, type RunningApp } from "../conformance/harness.js";
import {
  expectAccepted,
  expectInsufficientScope,
  expectInvalidToken,
  HARNESSES,
  PREVIOUS_MAJORS,
} from "./apps.js";
import { type AuthorizationServer, startAuthorizationServer } from "./authorization-server.js";
import { requestToken } from "./vendors/vendor-server.js";

const ORDERS = "https://api.example.com/orders";
const REPORTS = "https://api.example.com/reports";
const SHORT = "https://api.example.com/short";
const BASIC = { id: "billing-service", secret: "billing-service-secret-0123456789" };
const POST = { id: "reporting-service", secret: "reporting-service-secret-0123456789" };

let as: AuthorizationServer;
let mock: OAuth2Server;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: {
      [ORDERS]: { scope: "orders:read orders:write" },
      [REPORTS]: { scope: "reports:read" },
      [SHORT]: { scope: "orders:read", ttl: 60 },
    },
    clients: {
      [BASIC.id]: { secret: BASIC.secret, auth: "client_secret_basic" },
      [POST.id]: { secret: POST.secret, auth: "client_secret_post" },
    },
  });
  mock = new OAuth2Server();
  await mock.issuer.keys.generate("RS256");
  await mock.start(0, "127.0.0.1");
});
afterAll(async () => {
  await Promise.all([as.close(), mock.stop()]);
});
afterEach(() => {
  vi.useRealTimers();
});

async function asToken(
  client: { id: string; secret: string },
  how: "basic" | "post",
  resource: string,
  scope: string,
): Promise<string> {
  const res = await requestToken(as.tokenEndpoint, client, { resource, scope }, how);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

async function mockToken(params: Record<string, string>): Promise<string> {
  const res = await requestToken(
    `${mock.issuer.url}/token`,
    { id: "mock-client", secret: "x" },
    params,
    "post",
  );
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

function options(): VerifierOptions {
  return {
    issuers: [
      // oidc-provider issues RFC 9068 tokens, so ID tokens and other JWTs are kept out by typ.
      { issuer: as.issuer, audience: ORDERS, typ: "at+jwt", allowedClients: [BASIC.id, POST.id] },
      // oauth2-mock-server stamps typ JWT and no client: its own settings.
      { issuer: mock.issuer.url!, audience: ORDERS, scopeClaims: ["scope"] },
    ],
  };
}

describe.each([...HARNESSES, ...PREVIOUS_MAJORS])("real authorization servers through $name", (harness) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await harness.start(options());
  });
  afterAll(() => app.close());

  it("accepts an at+jwt from oidc-provider fetched with a Basic header", async () => {
    const token = await asToken(BASIC, "basic", ORDERS, "orders:read");
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", typ: "at+jwt" });
    expect(decodeJwt(token)).toMatchObject({ client_id: BASIC.id, aud: ORDERS, scope: "orders:read" });
    await expectAccepted(app, token, { sub: BASIC.id, scopes: ["orders:read"] }, ROUTES.orders);
  });

  it("accepts a token fetched with form-body client credentials, and 403s without the scope", async () => {
    const token = await asToken(POST, "post", ORDERS, "orders:write");
    await expectAccepted(app, token, { sub: POST.id, scopes: ["orders:write"] });
    await expectInsufficientScope(harness, app, token);
  });

  it("refuses a token minted for another resource server", async () => {
    await expectInvalidToken(
      harness,
      app,
      await asToken(BASIC, "basic", REPORTS, "reports:read"),
      "audience",
    );
  });

  it("accepts a token of the second, independent issuer", async () => {
    const token = await mockToken({ grant_type: "client_credentials", scope: "orders:read", aud: ORDERS });
    await expectAccepted(app, token, { sub: undefined, scopes: ["orders:read"] }, ROUTES.orders);
  });

  it("refuses the second issuer's token without the audience, and one claiming the first issuer", async () => {
    await expectInvalidToken(harness, app, await mockToken({ scope: "orders:read" }), "audience");
    mock.service.once("beforeTokenSigning", (token) => {
      // Everything the first issuer checks before its keys is made to fit.
      token.payload.iss = as.issuer;
      token.payload.client_id = BASIC.id;
      token.header.typ = "at+jwt";
    });
    const forged = await mockToken({ scope: "orders:read", aud: ORDERS });
    // Judged with the first issuer's keys, which never signed it.
    await expectInvalidToken(harness, app, forged, "unknown_key");
  });

  it("refuses a token the authorization server minted with its clock an hour behind", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 3_600_000);
    const token = await asToken(BASIC, "basic", ORDERS, "orders:read");
    vi.useRealTimers();
    const { exp } = decodeJwt(token);
    expect(exp! * 1000).toBeLessThan(Date.now() - 3_000_000);
    await expectInvalidToken(harness, app, token, "expired");
  });

  it("refuses a token the authorization server minted with its clock ahead", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 120_000);
    const token = await asToken(BASIC, "basic", ORDERS, "orders:read");
    vi.useRealTimers();
    await expectInvalidToken(harness, app, token, "issued_in_future");
  });
});

describe("real authorization server and a moved verifier clock", () => {
  it("accepts a 60 s token within its lifetime and refuses it once the verifier's clock passes exp", async () => {
    const token = await asToken(BASIC, "basic", SHORT, "orders:read");
    const { iat, exp } = decodeJwt(token);
    expect(exp! - iat!).toBe(60);
    const at = (ms: number) =>
      createVerifier({ issuer: as.issuer, audience: SHORT, tokenCache: false, now: () => ms });
    await expect(at(iat! * 1000 + 30_000).verify(token)).resolves.toMatchObject({ scopes: ["orders:read"] });
    // Within clockTolerance (5 s) after exp: still accepted; beyond it: expired.
    await expect(at((exp! + 4) * 1000).verify(token)).resolves.toMatchObject({ issuer: as.issuer });
    await expect(at((exp! + 6) * 1000).verify(token)).rejects.toMatchObject({
      status: 401,
      reason: "expired",
    });
  });

  it("does not serve an expired token from the token cache", async () => {
    const token = await asToken(BASIC, "basic", SHORT, "orders:read");
    const { exp } = decodeJwt(token);
    let now = Date.now();
    const verifier = createVerifier({ issuer: as.issuer, audience: SHORT, now: () => now });
    await verifier.verify(token);
    now = (exp! + 6) * 1000;
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: "expired" });
  });
});
