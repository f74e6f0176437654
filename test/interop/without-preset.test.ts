/**
 * The "without a preset" recipes of docs/identity-providers.md, checked against the shared test
 * identity provider: a ZITADEL-shaped token (audience = project and app ids, no metadata document,
 * roles as the member names of an object claim) verified with an explicit `jwksUri`.
 */
import { createVerifier } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";

const PROJECT = "123456789012345678";
const ROLES = "urn:zitadel:iam:org:project:roles";

let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp({ discovery: "none" });
});
afterAll(() => idp.close());

describe("ZITADEL layout without a preset", () => {
  it("reads roles from the object claim's member names next to scope", async () => {
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: PROJECT,
      jwksUri: idp.jwksUri,
      scopeClaims: ["scope", ROLES],
    });
    const token = await idp.sign({
      sub: "289456123789",
      aud: [PROJECT, "289456123790@orders"],
      client_id: "orders-worker",
      scope: "openid",
      [ROLES]: { "orders:read": { "289000000000": "acme.zitadel.cloud" }, "orders:admin": {} },
    });
    const auth = await verifier.verify(token);
    expect([...auth.scopes].sort()).toEqual(["openid", "orders:admin", "orders:read"]);
  });

  it("says at start-up which metadata URLs it tried when no jwksUri is given", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: PROJECT, timeoutMs: 2000 });
    await expect(verifier.warmup()).rejects.toThrow(
      `no metadata found for issuer ${idp.issuer} (tried ${idp.issuer}/.well-known/openid-configuration, ` +
        `${idp.issuer}/.well-known/oauth-authorization-server)`,
    );
  });
});
