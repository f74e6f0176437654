/**
 * Amazon Cognito, emulated (vendors/cognito.ts: the user-pool service and the user-pool domain),
 * verified through the `cognito()` preset by core and each adapter: M2M access tokens (no `aud`)
 * fetched from the token endpoint on the other host, ID tokens kept out by `token_use`, other app
 * clients kept out by `client_id`, base64 kids with `+/=`, and the core's refusal of `audience: false`
 * without another binding.
 */
import { cognito, createVerifier } from "@resource-guard/core";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../conformance/harness.js";
import { expectAccepted, expectInsufficientScope, expectInvalidToken, HARNESSES } from "./apps.js";
import { CognitoEmulator } from "./vendors/cognito.js";
import { requestToken } from "./vendors/vendor-server.js";

const CLIENT = { id: "5r2v9kq1m3n8b7c6x4z0a1s2d3", secret: "cognito-secret" };
const OTHER = { id: "7h8j9k0l1m2n3b4v5c6x7z8a9s", secret: "other-secret" };
const SCOPES = ["orders-api/orders.read", "orders-api/orders.write"];

let pool: CognitoEmulator;

beforeAll(async () => {
  pool = await new CognitoEmulator({
    clients: {
      [CLIENT.id]: { secret: CLIENT.secret, scopes: SCOPES },
      [OTHER.id]: { secret: OTHER.secret, scopes: SCOPES },
    },
  }).start();
});
afterAll(() => pool.close());

async function fetchToken(client: { id: string; secret: string }): Promise<string> {
  const res = await requestToken(pool.tokenEndpoint, client);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe.each(HARNESSES)("Cognito through $name", (harness) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await harness.start(
      cognito({ userPoolId: pool.userPoolId, clientId: CLIENT.id, endpoint: pool.endpoint }),
    );
  });
  afterAll(() => app.close());

  it("accepts an access token without aud, signed under a base64 kid", async () => {
    const token = await fetchToken(CLIENT);
    expect(decodeProtectedHeader(token).kid).toMatch(/[+/].*=$/);
    await expectAccepted(app, token, { sub: CLIENT.id, scopes: SCOPES });
  });

  it("answers 403 for a route needing a scope outside the resource server's namespace", async () => {
    await expectInsufficientScope(harness, app, await fetchToken(CLIENT));
  });

  it("refuses the ID token of the same app client", async () => {
    await expectInvalidToken(harness, app, await pool.idToken(CLIENT.id), "claim_rule");
  });

  it("refuses a token of the right client whose token_use is not access", async () => {
    await expectInvalidToken(
      harness,
      app,
      await pool.accessToken(CLIENT.id, SCOPES[0]!, { token_use: "id" }),
      "claim_rule",
    );
  });

  it("refuses an access token of another app client", async () => {
    await expectInvalidToken(harness, app, await fetchToken(OTHER), "claim_rule");
  });
});

describe("Cognito emulator and core", () => {
  it("discovers the pool's keys from the issuer alone (the token endpoint lives on another host)", async () => {
    const verifier = createVerifier({
      issuer: pool.issuer,
      audience: false,
      requiredClaims: { token_use: "access" },
      allowedClients: [CLIENT.id],
    });
    const auth = await verifier.verify(await fetchToken(CLIENT));
    expect(auth.claims.client_id).toBe(CLIENT.id);
    await expect(verifier.verify(await fetchToken(OTHER))).rejects.toMatchObject({
      status: 401,
      reason: "client",
    });
  });

  it("refuses audience: false without another binding, explaining why", () => {
    expect(() => createVerifier({ issuer: pool.issuer, audience: false })).toThrow(
      /"audience: false" turns the audience check off, so a token minted for any other API of the same issuer would be accepted/,
    );
  });

  it("shows the trap the preset avoids: audience = client id rejects access tokens", async () => {
    const verifier = createVerifier({ issuer: pool.issuer, audience: CLIENT.id });
    await expect(verifier.verify(await fetchToken(CLIENT))).rejects.toMatchObject({
      status: 401,
      reason: "audience",
    });
  });
});
