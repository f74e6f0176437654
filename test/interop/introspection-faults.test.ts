/**
 * Every way an introspection endpoint fails, through core and each adapter: the provider answering
 * 5xx, 429 or 503 with its `Retry-After` (seconds and HTTP date), hanging past the timeout,
 * resetting the connection, answering 200 with something that is not an RFC 7662 answer, refusing
 * the API's own credentials, or not listening at all. Each is 503 with `Retry-After`, never 401
 * (clients answer 401 by fetching new tokens, adding load to a provider already in trouble). During
 * the backoff that follows, nothing more is sent to the provider; once the provider behaves and the
 * backoff has passed, the same app accepts the same token without a restart. The token and its hash
 * appear in no error, event or response.
 *
 * The faults are served by the layer in front of a real oidc-provider (authorization-server.ts), so
 * recovery reaches the real introspection endpoint. The verifier's clock is moved, never waited on.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { IntrospectionErrorEvent, VerifierOptions } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspectionKey } from "../../packages/core/src/introspection/cache-key.js";
import { type Harness, ROUTES, type RunningApp } from "../conformance/harness.js";
import { expectAccepted, HARNESSES, PREVIOUS_MAJORS } from "./apps.js";
import {
  type AuthorizationServer,
  type IntrospectionFault,
  startAuthorizationServer,
} from "./authorization-server.js";
import { requestToken } from "./vendors/vendor-server.js";

const ORDERS = "https://api.example.com/orders";
const INTEGRATOR = { id: "billing-service", secret: "billing-service-secret-0123456789" };
const API = { id: "orders-api", secret: "orders-api-secret-0123456789" };
const SCOPES = ["orders:read"];
const TIMEOUT_MS = 300;

let as: AuthorizationServer;
let token: string;

beforeAll(async () => {
  as = await startAuthorizationServer({
    // An hour: the longest backoff tested (300 s) passes well within the token's life.
    resources: { [ORDERS]: { scope: "orders:read", format: "opaque", ttl: 3600 } },
    clients: {
      [INTEGRATOR.id]: { secret: INTEGRATOR.secret, auth: "client_secret_basic" },
      [API.id]: { secret: API.secret, auth: "client_secret_basic" },
    },
  });
  const res = await requestToken(as.tokenEndpoint, INTEGRATOR, { resource: ORDERS, scope: "orders:read" });
  token = res.body.access_token as string;
});
afterAll(() => as.close());

const introspections = () => as.counts.get("/token/introspection") ?? 0;

interface FaultCase {
  name: string;
  fault: (clockMs: number) => IntrospectionFault;
  /** The Retry-After the API must send. */
  retryAfter: string;
}

const FAULTS: FaultCase[] = [
  { name: "500", fault: () => ({ kind: "status", status: 500 }), retryAfter: "1" },
  { name: "502", fault: () => ({ kind: "status", status: 502 }), retryAfter: "1" },
  { name: "400", fault: () => ({ kind: "status", status: 400 }), retryAfter: "1" },
  {
    name: "429 with Retry-After in seconds",
    fault: () => ({ kind: "status", status: 429, retryAfter: "7" }),
    retryAfter: "7",
  },
  {
    name: "503 with Retry-After as an HTTP date",
    fault: (clockMs) => ({
      kind: "status",
      status: 503,
      retryAfter: new Date(clockMs + 20_000).toUTCString(),
    }),
    retryAfter: "20",
  },
  {
    name: "429 asking for a day (honoured up to 5 minutes)",
    fault: () => ({ kind: "status", status: 429, retryAfter: "86400" }),
    retryAfter: "300",
  },
  { name: "no answer within timeoutMs", fault: () => ({ kind: "hang" }), retryAfter: "1" },
  { name: "connection reset", fault: () => ({ kind: "reset" }), retryAfter: "1" },
  {
    name: "an HTML page with status 200",
    fault: () => ({ kind: "body", contentType: "text/html", body: "<html>Service maintenance</html>" }),
    retryAfter: "1",
  },
  {
    name: "a JSON array",
    fault: () => ({ kind: "body", contentType: "application/json", body: "[true]" }),
    retryAfter: "1",
  },
  {
    name: 'a string "true" for active',
    fault: () => ({
      kind: "body",
      contentType: "application/json",
      body: '{"active":"true","exp":9999999999}',
    }),
    retryAfter: "1",
  },
  {
    name: "no active member",
    fault: () => ({
      kind: "body",
      contentType: "application/json",
      body: '{"exp":9999999999,"scope":"orders:read"}',
    }),
    retryAfter: "1",
  },
  {
    name: "a repeated member",
    fault: () => ({ kind: "body", contentType: "application/json", body: '{"active":false,"active":true}' }),
    retryAfter: "1",
  },
  {
    name: "an empty body",
    fault: () => ({ kind: "body", contentType: "application/json", body: "" }),
    retryAfter: "1",
  },
];

async function get(app: RunningApp, bearer: string) {
  const res = await fetch(app.url + ROUTES.orders, { headers: { authorization: `Bearer ${bearer}` } });
  return { res, body: await res.text() };
}

/** Asserts a 503 with this Retry-After and the framework's 503 body, and that nothing leaks. */
async function expectUnavailable(harness: Harness, app: RunningApp, retryAfter: string): Promise<void> {
  const { res, body } = await get(app, token);
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
  expectNoTokenIn(body + JSON.stringify([...res.headers]));
}

function expectNoTokenIn(text: string): void {
  expect(text).not.toContain(token);
  expect(text).not.toContain(introspectionKey(token).slice("introspection:".length));
}

describe.each([...HARNESSES, ...PREVIOUS_MAJORS])("introspection faults through $name", (harness) => {
  const apps: RunningApp[] = [];
  async function start(extra: Partial<VerifierOptions>, introspection: Record<string, unknown> = {}) {
    const clock = { ms: Math.floor(Date.now() / 1000) * 1000 };
    const events: IntrospectionErrorEvent[] = [];
    const app = await harness.start({
      issuer: as.issuer,
      audience: ORDERS,
      timeoutMs: TIMEOUT_MS,
      now: () => clock.ms,
      introspection: {
        clientId: API.id,
        clientSecret: API.secret,
        endpoint: as.introspectionEndpoint,
        onError: (event) => events.push(event),
        ...introspection,
      },
      ...extra,
    });
    apps.push(app);
    return { app, clock, events };
  }
  afterAll(async () => {
    as.fault = undefined;
    await Promise.all(apps.map((app) => app.close()));
  });

  it.each(FAULTS)("$name: 503 with Retry-After, quiet during the backoff, recovered after it", async (c) => {
    const { app, clock, events } = await start({});
    as.fault = c.fault(clock.ms);
    try {
      const before = introspections();
      await expectUnavailable(harness, app, c.retryAfter);
      expect(introspections() - before).toBe(1);
      // Within the backoff: the same answer, counting down, and no request to the provider.
      clock.ms += 500;
      await expectUnavailable(harness, app, c.retryAfter);
      expect(introspections() - before).toBe(1);
    } finally {
      as.fault = undefined;
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ issuer: as.issuer, url: as.introspectionEndpoint });
    expectNoTokenIn(JSON.stringify(events));
    clock.ms += Number(c.retryAfter) * 1000;
    await expectAccepted(app, token, { sub: undefined, scopes: SCOPES }, ROUTES.orders);
  });

  it("a provider that refuses the API's credentials (401 invalid_client) is 503, not 401", async () => {
    const { app, events } = await start({}, { clientSecret: "not-the-secret" });
    await expectUnavailable(harness, app, "1");
    expect(events.map((event) => event.reason)).toEqual([`${as.introspectionEndpoint} answered HTTP 401`]);
  });

  it("an endpoint nobody listens on is 503, and the backoff doubles while it stays down", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/introspect`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { app, clock } = await start({}, { endpoint });
    await expectUnavailable(harness, app, "1");
    clock.ms += 1000;
    await expectUnavailable(harness, app, "2");
    clock.ms += 2000;
    await expectUnavailable(harness, app, "4");
  });

  it("metadata that cannot be read (no introspection endpoint to be had) is 503 too, with the backoff", async () => {
    const { app, clock } = await start(
      { metadataUrl: `${as.issuer}/no-such-metadata` },
      { endpoint: undefined },
    );
    await expectUnavailable(harness, app, "1");
    clock.ms += 1000;
    await expectUnavailable(harness, app, "2");
  });
});
