/**
 * Opaque tokens for real: oidc-provider 8.8.1 on 127.0.0.1 issues opaque access tokens for the
 * orders API and answers for them at its RFC 7662 introspection endpoint, where the API
 * authenticates as a client of its own (client_secret_basic with a secret that needs RFC 6749
 * §2.3.1 encoding, and client_secret_post). Every case runs through core and each adapter on both
 * supported majors. How often the provider is asked is counted at the provider itself, so the cache,
 * single flight and the outbound budget are shown by what reaches it.
 */
import type { IntrospectionOptions, VerifierOptions } from "@resource-guard/core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Harness, ROUTES, type RunningApp } from "../conformance/harness.js";
import {
  call,
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
const INTEGRATOR = { id: "billing-service", secret: "billing-service-secret-0123456789" };
// The API's own credentials at the provider. This secret holds characters that RFC 6749 §2.3.1
// form-urlencoding changes (space, colon, slash, plus, percent): a Basic header built without that
// step is refused by the provider.
const API_BASIC = { id: "orders-api", secret: "orders api: s3cret/with+odd%chars" };
const API_POST = { id: "orders-api-post", secret: "orders-api-post-secret-0123456789" };

let as: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: {
      [ORDERS]: { scope: "orders:read orders:write", format: "opaque" },
      [REPORTS]: { scope: "reports:read", format: "opaque" },
    },
    clients: {
      [INTEGRATOR.id]: { secret: INTEGRATOR.secret, auth: "client_secret_basic" },
      [API_BASIC.id]: { secret: API_BASIC.secret, auth: "client_secret_basic" },
      [API_POST.id]: { secret: API_POST.secret, auth: "client_secret_post" },
    },
  });
});
afterAll(() => as.close());
afterEach(() => {
  vi.useRealTimers();
});

async function opaqueToken(resource = ORDERS, scope = "orders:read orders:write"): Promise<string> {
  const res = await requestToken(as.tokenEndpoint, INTEGRATOR, { resource, scope }, "basic");
  expect(res.status).toBe(200);
  const token = res.body.access_token as string;
  // Opaque: not a JWS compact JWT.
  expect(token.split(".")).toHaveLength(1);
  return token;
}

/** RFC 7009 revocation by the client the token was issued to. */
async function revoke(token: string): Promise<void> {
  const basic = Buffer.from(`${INTEGRATOR.id}:${INTEGRATOR.secret}`).toString("base64");
  const res = await fetch(as.revocationEndpoint, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

const hits = (path: string) => as.counts.get(path) ?? 0;
const introspections = () => hits("/token/introspection");
const discoveries = () => hits("/.well-known/openid-configuration");

function options(
  extra: Partial<VerifierOptions> = {},
  introspection: Partial<IntrospectionOptions> = {},
): VerifierOptions {
  return {
    issuer: as.issuer,
    audience: ORDERS,
    introspection: { clientId: API_BASIC.id, clientSecret: API_BASIC.secret, ...introspection },
    ...extra,
  };
}

/** A clock the verifier reads; tests move it instead of waiting. */
function createClock() {
  const clock = { ms: Math.floor(Date.now() / 1000) * 1000, now: () => clock.ms };
  return clock;
}

async function expectUnavailable(harness: Harness, app: RunningApp, token: string, retryAfter: string) {
  const res = await fetch(app.url + ROUTES.me, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.text();
  expect({
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    retryAfter: res.headers.get("retry-after"),
  }).toEqual({ status: 503, challenge: null, retryAfter });
  harness.expectErrorBody(body, res.headers.get("content-type"), {
    status: 503,
    message: "Token introspection is unavailable; try again later",
    code: undefined,
  });
}

describe.each([...HARNESSES, ...PREVIOUS_MAJORS])("opaque tokens through $name", (harness) => {
  let app: RunningApp;
  const skew = { ms: 0 };
  beforeAll(async () => {
    app = await harness.start(options({ now: () => Date.now() + skew.ms }));
  });
  afterAll(() => app.close());
  afterEach(() => {
    skew.ms = 0;
  });

  it("accepts an opaque token the provider calls active, and asks the provider once for repeated use", async () => {
    const token = await opaqueToken();
    const before = introspections();
    await expectAccepted(
      app,
      token,
      { sub: undefined, scopes: ["orders:read", "orders:write"] },
      ROUTES.orders,
    );
    await expectAccepted(
      app,
      token,
      { sub: undefined, scopes: ["orders:read", "orders:write"] },
      ROUTES.both,
    );
    await expectAccepted(app, token, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    expect(introspections() - before).toBe(1);
  });

  it("answers 403 insufficient_scope for an active token without the route's scope", async () => {
    await expectInsufficientScope(harness, app, await opaqueToken(ORDERS, "orders:write"));
  });

  it("refuses a token issued for another resource server (its aud)", async () => {
    await expectInvalidToken(harness, app, await opaqueToken(REPORTS, "reports:read"), "audience");
  });

  it("refuses a token revoked at the provider", async () => {
    const token = await opaqueToken();
    await revoke(token);
    await expectInvalidToken(harness, app, token, "inactive");
  });

  it("refuses a token the provider issued with its clock an hour behind (expired there)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 3_600_000);
    const token = await opaqueToken();
    vi.useRealTimers();
    await expectInvalidToken(harness, app, token, "inactive");
  });

  it("refuses a token once the API's clock is past its exp, though the provider still calls it active", async () => {
    const token = await opaqueToken();
    // 300 s tokens: 310 s ahead is past exp plus the 5 s clockTolerance.
    skew.ms = 310_000;
    await expectInvalidToken(harness, app, token, "expired");
  });

  it("refuses a token the provider never issued, and remembers that answer briefly", async () => {
    const before = introspections();
    const token = "NoSuchTokenAtTheProvider0123456789abcdefXYZ";
    await expectInvalidToken(harness, app, token, "inactive");
    await expectInvalidToken(harness, app, token, "inactive");
    expect(introspections() - before).toBe(1);
  });

  it("answers 400 for a token outside the b64token grammar, without asking the provider", async () => {
    const before = introspections();
    const res = await call(app, ROUTES.me, "not!a*token");
    expect({ status: res.status, challenge: res.challenge }).toEqual({
      status: 400,
      challenge:
        'Bearer realm="api", error="invalid_request", error_description="The bearer token has characters outside the b64token syntax"',
    });
    expect(introspections() - before).toBe(0);
  });

  it("keeps a malformed JWT a malformed JWT: no question to the provider", async () => {
    const before = introspections();
    await expectInvalidToken(harness, app, "bm90.YSBKV1Q.c2lnbmF0dXJl", "malformed");
    expect(introspections() - before).toBe(0);
  });
});

describe.each(HARNESSES)("introspection settings through $name", (harness) => {
  const apps: RunningApp[] = [];
  const start = async (config: VerifierOptions) => {
    const app = await harness.start(config);
    apps.push(app);
    return app;
  };
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it("authenticates to the provider with form-body credentials (client_secret_post)", async () => {
    const app = await start(
      options({}, { clientId: API_POST.id, clientSecret: API_POST.secret, authMethod: "client_secret_post" }),
    );
    await expectAccepted(app, await opaqueToken(), {
      sub: undefined,
      scopes: ["orders:read", "orders:write"],
    });
  });

  it("discovers the endpoint from the issuer metadata once, or uses the configured one without it", async () => {
    const discovering = await start(options());
    let before = discoveries();
    await expectAccepted(discovering, await opaqueToken(), {
      sub: undefined,
      scopes: ["orders:read", "orders:write"],
    });
    await expectAccepted(discovering, await opaqueToken(), {
      sub: undefined,
      scopes: ["orders:read", "orders:write"],
    });
    expect(discoveries() - before).toBe(1);

    const configured = await start(options({}, { endpoint: as.introspectionEndpoint }));
    before = discoveries();
    await expectAccepted(configured, await opaqueToken(), {
      sub: undefined,
      scopes: ["orders:read", "orders:write"],
    });
    expect(discoveries() - before).toBe(0);
  });

  it("asks the provider once for a new token that twenty requests bring at the same time", async () => {
    const app = await start(options());
    const token = await opaqueToken();
    await expectAccepted(app, await opaqueToken(), {
      sub: undefined,
      scopes: ["orders:read", "orders:write"],
    });
    const release = as.holdIntrospection();
    const before = introspections();
    const pending = Array.from({ length: 20 }, () => call(app, ROUTES.orders, token));
    for (let i = 0; i < 200 && as.held === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const answers = await Promise.all(pending);
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(introspections() - before).toBe(1);
  });

  it("stays within the outbound budget: beyond it 503 with Retry-After, and nothing reaches the provider", async () => {
    const clock = createClock();
    const app = await start(
      options(
        { now: clock.now, outboundBudget: { requestsPerSecond: 1, burst: 2 } },
        { endpoint: as.introspectionEndpoint },
      ),
    );
    const tokens = [await opaqueToken(), await opaqueToken(), await opaqueToken()];
    const before = introspections();
    await expectAccepted(app, tokens[0]!, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    await expectAccepted(app, tokens[1]!, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    await expectUnavailable(harness, app, tokens[2]!, "1");
    expect(introspections() - before).toBe(2);
    // Tokens already answered are still served from the cache while the budget is spent.
    await expectAccepted(app, tokens[0]!, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    clock.ms += 1000;
    await expectAccepted(app, tokens[2]!, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    expect(introspections() - before).toBe(3);
  });

  it("notices a revocation once the cached answer is maxCacheMs old", async () => {
    const clock = createClock();
    const app = await start(options({ now: clock.now }, { maxCacheMs: 10_000 }));
    const token = await opaqueToken();
    const before = introspections();
    await expectAccepted(app, token, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    await revoke(token);
    clock.ms += 9_999;
    await expectAccepted(app, token, { sub: undefined, scopes: ["orders:read", "orders:write"] });
    expect(introspections() - before).toBe(1);
    clock.ms += 1;
    await expectInvalidToken(harness, app, token, "inactive");
    expect(introspections() - before).toBe(2);
  });
});
