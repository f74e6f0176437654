/**
 * Microsoft Entra ID, emulated (vendors/entra.ts: a login host and an sts host), verified through
 * the `entra()` preset by core and each adapter: app-only tokens fetched over HTTP whose version
 * follows the API manifest (null = v1), v1 and v2 issuers each with their own key location, keys
 * without `alg` and `kid == x5t`, permissions from `roles`, the `tid` rule, and multi-tenant
 * `{tenantid}` templates with a tenant allow-list.
 */
import { createVerifier, entra } from "@resource-guard/core";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type RunningApp } from "../conformance/harness.js";
import { expectAccepted, expectInsufficientScope, expectInvalidToken, HARNESSES } from "./apps.js";
import { EntraEmulator } from "./vendors/entra.js";
import { requestToken } from "./vendors/vendor-server.js";

const TENANT = "4f1d7a2c-9a53-4f1b-8b3e-5c0d2e7a9b61";
const OTHER_TENANT = "0b6f3c1e-2d4a-4e8f-9a7b-1c2d3e4f5a6b";
const API = { clientId: "6e74172b-be56-4843-9ff4-e66a39bb12e3", appIdUri: "api://orders" };
const DAEMON = { id: "9c2d8e0a-5b7f-4d1e-a6c3-2f4b8e9d1a70", secret: "daemon-secret" };
const NO_ROLES = { id: "1a2b3c4d-0000-4000-8000-000000000001", secret: "plain-secret" };

let v1: EntraEmulator;
let v2: EntraEmulator;

function emulator(version: 1 | 2 | null): EntraEmulator {
  return new EntraEmulator({
    tenantId: TENANT,
    api: { ...API, accessTokenAcceptedVersion: version },
    clients: {
      [DAEMON.id]: { secret: DAEMON.secret, roles: ["orders:read", "Orders.Write"] },
      [NO_ROLES.id]: { secret: NO_ROLES.secret },
    },
  });
}

beforeAll(async () => {
  // Two tenants' worth of API: one left at the default manifest (v1 tokens), one set to v2.
  [v1, v2] = await Promise.all([emulator(null).start(), emulator(2).start()]);
});
afterAll(async () => {
  await Promise.all([v1.close(), v2.close()]);
});

async function fetchToken(
  from: EntraEmulator,
  client: { id: string; secret: string },
  scope: string,
): Promise<string> {
  const res = await requestToken(from.tokenEndpoint, client, { scope }, "post");
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe.each(HARNESSES)("Entra through $name", (harness) => {
  let appV1: RunningApp;
  let appV2: RunningApp;
  beforeAll(async () => {
    const options = (e: EntraEmulator) =>
      entra({
        tenantId: TENANT,
        audience: [API.appIdUri, API.clientId],
        authority: e.authority,
        v1Authority: e.v1Authority,
      });
    [appV1, appV2] = await Promise.all([harness.start(options(v1)), harness.start(options(v2))]);
  });
  afterAll(async () => {
    await Promise.all([appV1.close(), appV2.close()]);
  });

  it("accepts a v1 app-only token (default manifest) and authorises on its roles", async () => {
    const token = await fetchToken(v1, DAEMON, `${API.appIdUri}/.default`);
    const claims = decodeJwt(token);
    expect([claims.ver, claims.iss, claims.aud, claims.scp]).toEqual([
      "1.0",
      v1.v1Issuer(),
      API.appIdUri,
      undefined,
    ]);
    await expectAccepted(
      appV1,
      token,
      { sub: claims.sub, scopes: ["orders:read", "Orders.Write"] },
      ROUTES.orders,
    );
  });

  it("accepts a v2 app-only token whose audience is the API's client id", async () => {
    const token = await fetchToken(v2, DAEMON, `${API.appIdUri}/.default`);
    const claims = decodeJwt(token);
    expect([claims.ver, claims.iss, claims.aud]).toEqual(["2.0", v2.v2Issuer(), API.clientId]);
    await expectAccepted(
      appV2,
      token,
      { sub: claims.sub, scopes: ["orders:read", "Orders.Write"] },
      ROUTES.orders,
    );
  });

  it("accepts a daemon without granted roles but answers 403 on a scoped route", async () => {
    const token = await fetchToken(v2, NO_ROLES, `${API.clientId}/.default`);
    await expectAccepted(appV2, token, { sub: decodeJwt(token).sub, scopes: [] });
    await expectInsufficientScope(harness, appV2, token);
  });

  it("reads the scp string of delegated tokens", async () => {
    const token = await v2.accessToken({ version: 2, clientId: DAEMON.id, scp: "orders:read User.Read" });
    await expectAccepted(
      appV2,
      token,
      { sub: decodeJwt(token).sub, scopes: ["orders:read", "User.Read"] },
      ROUTES.orders,
    );
  });

  it("refuses a token of another tenant and a token whose tid disagrees with its issuer", async () => {
    await expectInvalidToken(
      harness,
      appV2,
      await v2.accessToken({ version: 2, tenantId: OTHER_TENANT, clientId: DAEMON.id }),
      "issuer",
    );
    const mixed = await v2.accessToken({ version: 2, clientId: DAEMON.id, overrides: { tid: OTHER_TENANT } });
    await expectInvalidToken(harness, appV2, mixed, "claim_rule");
  });
});

describe("Entra emulator and core", () => {
  it("publishes keys without alg whose kid is the x5t thumbprint, with issuer only on v2 endpoints", async () => {
    const v1Keys = (await (await fetch(`${v1.authority}/common/discovery/keys`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const v2Keys = (await (await fetch(`${v1.authority}/${TENANT}/discovery/v2.0/keys`)).json()) as {
      keys: Record<string, unknown>[];
    };
    for (const key of v1Keys.keys)
      expect([key.alg, key.kid === key.x5t, key.issuer]).toEqual([undefined, true, undefined]);
    for (const key of v2Keys.keys) expect(key.issuer).toBe(v1.v2Issuer());
    const header = decodeProtectedHeader(await v1.accessToken({ version: 1, clientId: DAEMON.id }));
    expect(header.x5t).toBe(header.kid);
  });

  it("cannot discover a v1 issuer: its keys must be located explicitly, as the preset does", async () => {
    const discovered = createVerifier({ issuer: v1.v1Issuer(), audience: API.appIdUri, timeoutMs: 2000 });
    await expect(discovered.warmup()).rejects.toThrow();
    const preset = createVerifier(
      entra({
        tenantId: TENANT,
        audience: API.appIdUri,
        authority: v1.authority,
        v1Authority: v1.v1Authority,
      }),
    );
    await expect(preset.warmup()).resolves.toBeUndefined();
  });

  it("discovers a v2 issuer's keys from its metadata", async () => {
    const verifier = createVerifier({
      issuer: v2.v2Issuer(),
      audience: API.clientId,
      scopeClaims: ["roles"],
    });
    const auth = await verifier.verify(await fetchToken(v2, DAEMON, `${API.appIdUri}/.default`));
    expect(auth.scopes).toEqual(["orders:read", "Orders.Write"]);
  });

  it("accepts only the listed tenants of a multi-tenant API, with the keys located per tenant", async () => {
    const verifier = createVerifier(
      entra({
        tenantId: "organizations",
        tenants: [TENANT],
        audience: API.clientId,
        versions: ["v2"],
        authority: v2.authority,
        v1Authority: v2.v1Authority,
      }),
    );
    const auth = await verifier.verify(await fetchToken(v2, DAEMON, `${API.appIdUri}/.default`));
    expect(auth.issuer).toBe(v2.v2Issuer());
    const stranger = await v2.accessToken({ version: 2, tenantId: OTHER_TENANT, clientId: DAEMON.id });
    await expect(verifier.verify(stranger)).rejects.toMatchObject({ status: 401, reason: "issuer" });
    expect(v2.login.hitsOf(`/${TENANT}/discovery/v2.0/keys`)).toBeGreaterThan(0);
    expect(v2.login.hitsOf(`/${OTHER_TENANT}/discovery/v2.0/keys`)).toBe(0);
  });

  it("honours nbf", async () => {
    const verifier = createVerifier(
      entra({
        tenantId: TENANT,
        audience: API.clientId,
        authority: v2.authority,
        v1Authority: v2.v1Authority,
      }),
    );
    const future = Math.floor(Date.now() / 1000) + 600;
    const token = await v2.accessToken({
      version: 2,
      clientId: DAEMON.id,
      overrides: { nbf: future, iat: future - 700 },
    });
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: "not_yet_valid" });
  });
});
