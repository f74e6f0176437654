/**
 * Keycloak, emulated (vendors/keycloak.ts), verified through the `keycloak()` preset by core and each
 * adapter: service-account tokens fetched over HTTP, the default `aud: "account"` refused, ID tokens
 * kept out by the `typ: "Bearer"` claim rule, nested client roles read as scopes, the `use: enc` key
 * skipped, the legacy `/auth` prefix, and discovery of the realm's keys by core alone.
 */
import { X509Certificate } from "node:crypto";
import { createVerifier, keycloak } from "@resource-guard/core";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type RunningApp } from "../conformance/harness.js";
import { expectAccepted, expectInsufficientScope, expectInvalidToken, HARNESSES } from "./apps.js";
import { KeycloakEmulator } from "./vendors/keycloak.js";
import { requestToken } from "./vendors/vendor-server.js";

const BILLING = { id: "billing-service", secret: "billing-secret" };
const REPORTING = { id: "reporting", secret: "reporting-secret" };

let kc: KeycloakEmulator;

beforeAll(async () => {
  kc = await new KeycloakEmulator({
    clients: {
      [BILLING.id]: {
        secret: BILLING.secret,
        audienceMapper: "orders-api",
        clientRoles: { "orders-api": ["orders:read"] },
      },
      [REPORTING.id]: { secret: REPORTING.secret },
    },
  }).start();
});
afterAll(() => kc.close());

async function fetchToken(
  client: { id: string; secret: string },
  how: "basic" | "post" = "basic",
): Promise<string> {
  const res = await requestToken(kc.tokenEndpoint, client, {}, how);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

describe.each(HARNESSES)("Keycloak through $name", (harness) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await harness.start(
      keycloak({ url: kc.url, realm: kc.realm, audience: "orders-api", clientRoles: true }),
    );
  });
  afterAll(() => app.close());

  it("accepts a service-account token and reads the client roles next to scope", async () => {
    const token = await fetchToken(BILLING);
    const sub = decodeJwt(token).sub;
    await expectAccepted(app, token, { sub, scopes: ["profile", "email", "orders:read"] });
    await expectAccepted(app, token, { sub, scopes: ["profile", "email", "orders:read"] }, ROUTES.orders);
  });

  it("accepts a token of a client that authenticated with form-body credentials", async () => {
    const token = await fetchToken(BILLING, "post");
    await expectAccepted(app, token, {
      sub: decodeJwt(token).sub,
      scopes: ["profile", "email", "orders:read"],
    });
  });

  it('refuses a token whose audience is only the default "account"', async () => {
    await expectInvalidToken(harness, app, await fetchToken(REPORTING), "audience");
  });

  it("refuses an ID token issued to the API's own client", async () => {
    await expectInvalidToken(harness, app, await kc.idToken("orders-api"), "claim_rule");
  });

  it('accepts "scope": "" and answers 403 when no role grants the route', async () => {
    const token = await kc.accessToken("billing-service", { audienceMapper: "orders-api" }, { scope: "" });
    await expectAccepted(app, token, { sub: decodeJwt(token).sub, scopes: [] });
    await expectInsufficientScope(harness, app, token);
  });
});

describe("Keycloak emulator and core", () => {
  it("publishes an RSA-OAEP encryption key before the signing key, both with genuine certificates", () => {
    const [enc, sig] = kc.jwks().keys;
    expect([enc?.use, enc?.alg, sig?.use, sig?.alg]).toEqual(["enc", "RSA-OAEP", "sig", "RS256"]);
    for (const jwk of [enc!, sig!]) {
      const cert = new X509Certificate(Buffer.from((jwk.x5c as string[])[0]!, "base64"));
      expect(cert.publicKey.export({ format: "jwk" }).n).toBe(jwk.n);
      expect(cert.verify(cert.publicKey)).toBe(true);
    }
  });

  it("refuses a token signed with the encryption key's kid", async () => {
    const { signWith } = await import("./vendors/vendor-key.js");
    const now = Math.floor(Date.now() / 1000);
    const token = await signWith(
      kc.encryptionKey,
      { iss: kc.issuer, aud: "orders-api", typ: "Bearer", iat: now, exp: now + 60 },
      { typ: "JWT", kid: kc.encryptionKey.kid },
    );
    const verifier = createVerifier(keycloak({ url: kc.url, realm: kc.realm, audience: "orders-api" }));
    // A `use: "enc"` key is no signing key: it is skipped, so its kid is unknown.
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, reason: "unknown_key" });
  });

  it("discovers the realm's keys from the issuer alone through openid-configuration", async () => {
    const before = kc.http.hitsOf(`${kc.realmPath}/.well-known/openid-configuration`);
    const verifier = createVerifier({ issuer: kc.issuer, audience: "orders-api" });
    await verifier.warmup();
    expect(kc.http.hitsOf(`${kc.realmPath}/.well-known/openid-configuration`)).toBe(before + 1);
    const auth = await verifier.verify(await fetchToken(BILLING));
    expect(auth.issuer).toBe(kc.issuer);
  });

  it("follows an explicit metadataUrl in the RFC 8414 path-insertion form (Keycloak 26.4+)", async () => {
    const insertion = `/.well-known/oauth-authorization-server${kc.realmPath}`;
    const before = kc.http.hitsOf(insertion);
    const verifier = createVerifier({
      issuer: kc.issuer,
      audience: "orders-api",
      metadataUrl: kc.url + insertion,
    });
    const auth = await verifier.verify(await fetchToken(BILLING));
    expect([auth.issuer, kc.http.hitsOf(insertion)]).toEqual([kc.issuer, before + 1]);
  });

  it("verifies a realm under the legacy /auth prefix", async () => {
    const legacy = await new KeycloakEmulator({ legacyAuthPath: true, realm: "prod" }).start();
    try {
      const verifier = createVerifier(
        keycloak({
          url: legacy.url,
          realm: "prod",
          audience: "orders-api",
          legacyAuthPath: true,
          realmRoles: true,
        }),
      );
      const token = await legacy.accessToken("billing-service", { audienceMapper: "orders-api" });
      const auth = await verifier.verify(token);
      expect(auth.issuer).toBe(`${legacy.url}/auth/realms/prod`);
      expect([...auth.scopes].sort()).toEqual([
        "default-roles-prod",
        "email",
        "offline_access",
        "profile",
        "uma_authorization",
      ]);
      // The same server without the prefix is another issuer.
      const modern = createVerifier(keycloak({ url: legacy.url, realm: "prod", audience: "orders-api" }));
      await expect(modern.verify(token)).rejects.toMatchObject({ status: 401, reason: "issuer" });
    } finally {
      await legacy.close();
    }
  });
});
