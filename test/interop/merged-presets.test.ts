/**
 * Two vendors behind one API, as during a move from Auth0 to Entra: `mergePresets` puts both
 * presets' issuers into one verifier, and each issuer keeps its own keys, audience and claim rules,
 * so a token is judged only by the settings of the issuer it names.
 */
import { auth0, createVerifier, entra, mergePresets } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Auth0Emulator } from "./vendors/auth0.js";
import { EntraEmulator } from "./vendors/entra.js";

const TENANT = "4f1d7a2c-9a53-4f1b-8b3e-5c0d2e7a9b61";
const ENTRA_API = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
const AUTH0_API = "https://api.example.com/orders";
const ORDERS = { permissions: ["orders:read"], addPermissions: true };

let a0: Auth0Emulator;
let ms: EntraEmulator;

beforeAll(async () => {
  [a0, ms] = await Promise.all([
    new Auth0Emulator().start(),
    new EntraEmulator({
      tenantId: TENANT,
      api: { clientId: ENTRA_API, appIdUri: "api://orders", accessTokenAcceptedVersion: 2 },
    }).start(),
  ]);
});
afterAll(async () => {
  await Promise.all([a0.close(), ms.close()]);
});

describe("mergePresets with two emulated vendors", () => {
  it("accepts each vendor's token under its own settings and refuses the crossed audiences", async () => {
    const verifier = createVerifier(
      mergePresets(
        auth0({ baseUrl: a0.baseUrl, audience: AUTH0_API, permissions: true }),
        entra({
          tenantId: TENANT,
          audience: ENTRA_API,
          versions: ["v2"],
          authority: ms.authority,
          v1Authority: ms.v1Authority,
        }),
      ),
    );
    const fromAuth0 = await verifier.verify(await a0.accessToken("client-a", AUTH0_API, ORDERS));
    expect([fromAuth0.issuer, fromAuth0.scopes]).toEqual([a0.issuer, ["orders:read"]]);
    const fromEntra = await verifier.verify(
      await ms.accessToken({ version: 2, clientId: "c", roles: ["Orders.Read"] }),
    );
    expect([fromEntra.issuer, fromEntra.scopes]).toEqual([ms.v2Issuer(), ["Orders.Read"]]);
    // Each issuer's audience is its own: Entra's API id is no audience for the Auth0 issuer and vice versa.
    await expect(verifier.verify(await a0.accessToken("client-a", ENTRA_API, ORDERS))).rejects.toMatchObject({
      status: 401,
      reason: "audience",
    });
    await expect(
      verifier.verify(await ms.accessToken({ version: 2, clientId: "c", audience: AUTH0_API })),
    ).rejects.toMatchObject({ status: 401, reason: "audience" });
  });
});
