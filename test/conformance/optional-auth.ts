/**
 * The optional-authentication rows of the one conformance table (issue 16), run by `runConformance`
 * against every harness: with `credentialsRequired: false` a request without credentials reaches the
 * route with no auth result, bad credentials still fail exactly as usual, and a scope guard on an
 * anonymous request answers 401 with the route's scopes; a CORS preflight is never challenged.
 */
import { INVALID_TOKEN_DESCRIPTIONS, type VerifierOptions } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { AUDIENCE, SUBJECT } from "./cases.js";
import { parseChallenges } from "./challenge-parser.js";
import { type Harness, ORDERS_SCOPES, ROUTES, type RunningApp } from "./harness.js";

export function runOptionalAuthConformance(harness: Harness): void {
  describe(`optional authentication: ${harness.name}`, () => {
    let idp: TestIdp;
    let optional: RunningApp;
    let required: RunningApp;

    beforeAll(async () => {
      idp = await startTestIdp();
      const options: VerifierOptions = { issuer: idp.issuer, audience: AUDIENCE };
      optional = await harness.start({ ...options, credentialsRequired: false } as VerifierOptions);
      required = await harness.start(options);
    });
    afterAll(async () => {
      await optional?.close();
      await required?.close();
      await idp?.close();
    });

    const get = (app: RunningApp, path: string, headers: Record<string, string> = {}) =>
      fetch(app.url + path, { headers });

    it("lets a request without credentials through with no auth result", async () => {
      const res = await get(optional, ROUTES.me);
      expect(res.status).toBe(200);
      expect(res.headers.get("www-authenticate")).toBeNull();
      expect(await res.json()).toEqual({ route: ROUTES.me });
    });

    it("still verifies credentials that are sent", async () => {
      const token = await idp.sign({ sub: SUBJECT, aud: AUDIENCE, scope: "orders:read" });
      const res = await get(optional, ROUTES.me, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ route: ROUTES.me, sub: SUBJECT, scopes: ["orders:read"] });
    });

    it("still refuses bad credentials with 401 invalid_token", async () => {
      const token = await idp.sign({ sub: SUBJECT, aud: "https://other.api.test" });
      const res = await get(optional, ROUTES.me, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(parseChallenges(res.headers.get("www-authenticate") ?? "")).toEqual([
        {
          scheme: "Bearer",
          params: {
            realm: "api",
            error: "invalid_token",
            error_description: INVALID_TOKEN_DESCRIPTIONS.audience,
          },
        },
      ]);
    });

    it("answers a scope guard on an anonymous request 401 with the route's scopes", async () => {
      const res = await get(optional, ROUTES.orders);
      expect(res.status).toBe(401);
      expect(parseChallenges(res.headers.get("www-authenticate") ?? "")).toEqual([
        { scheme: "Bearer", params: { realm: "api", scope: ORDERS_SCOPES.join(" ") } },
      ]);
    });

    it("never challenges a CORS preflight", async () => {
      const res = await fetch(required.url + ROUTES.me, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "GET" },
      });
      expect(res.status).not.toBe(401);
      expect(res.headers.get("www-authenticate")).toBeNull();
    });
  });
}
