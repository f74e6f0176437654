/**
 * Runs the conformance table (cases.ts) against one harness: it starts real IdPs on 127.0.0.1 (a
 * healthy one publishing RS256, PS256, ES256 and EdDSA keys, and ones that fail: answering 500, hanging,
 * gone), starts the harness app once against each, plus one app for the healthy IdP with `resource`
 * set (RFC 9728), sends every case over real HTTP with node's fetch, and compares status, the parsed
 * `WWW-Authenticate` auth-params, `Retry-After` and the body; for the metadata document, its headers
 * and bytes.
 */
import type { VerifierOptions } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import {
  type AppName,
  AUDIENCE,
  CASES,
  type Case,
  type Fixture,
  MAX_TOKEN_LENGTH,
  RESOURCE,
  RESOURCE_METADATA,
  SUBJECT,
} from "./cases.js";
import { parseChallenges } from "./challenge-parser.js";
import type { Harness, RunningApp } from "./harness.js";
import { runOptionalAuthConformance } from "./optional-auth.js";
import { runBoundConformance } from "./suite-bound.js";

/** The options every harness verifier is built with; `issuer` is filled in per IdP. */
export function conformanceOptions(idp: TestIdp, timeoutMs = 5000): VerifierOptions {
  return {
    issuer: idp.issuer,
    audience: AUDIENCE,
    allowQueryToken: true,
    maxTokenLength: MAX_TOKEN_LENGTH,
    timeoutMs,
    // Keep the 503 path quick: after a failed fetch, the next attempt may come after 1 s.
    maxBackoffMs: 1000,
  };
}

/** The options of the app that is an RFC 9728 protected resource: `audience` is left to default. */
export function resourceOptions(idp: TestIdp): VerifierOptions {
  const { audience: _, ...options } = conformanceOptions(idp);
  return { ...options, resource: RESOURCE, resourceMetadata: RESOURCE_METADATA };
}

async function send(app: RunningApp, request: Awaited<ReturnType<Case["request"]>>) {
  const headers: Record<string, string> = { ...request.headers };
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  const res = await fetch(app.url + request.path, { method: request.method ?? "GET", headers });
  return { res, text: await res.text() };
}

/** Declares the vitest `describe`s that run every case (cases.ts, cases-bound.ts) against `harness`. */
export function runConformance(harness: Harness): void {
  runBoundConformance(harness);
  describe(`conformance: ${harness.name}`, () => {
    let idp: TestIdp;
    let down: TestIdp;
    let hanging: TestIdp;
    let gone: TestIdp;
    const apps = new Map<AppName, RunningApp>();
    let fixture: Fixture;

    beforeAll(async () => {
      idp = await startTestIdp({ algs: ["RS256", "PS256", "ES256", "EdDSA"] });
      down = await startTestIdp();
      down.fault = "status-500";
      hanging = await startTestIdp();
      hanging.fault = "hang";
      gone = await startTestIdp();
      await gone.close();
      apps.set("up", await harness.start(conformanceOptions(idp)));
      apps.set("down", await harness.start(conformanceOptions(down)));
      // Only the hanging IdP gets a short timeout, so a slow machine cannot fail the healthy apps.
      apps.set("hanging", await harness.start(conformanceOptions(hanging, 300)));
      apps.set("gone", await harness.start(conformanceOptions(gone)));
      apps.set("resource", await harness.start(resourceOptions(idp)));
      fixture = {
        idp,
        down,
        hanging,
        gone,
        sign: (claims = {}, options = {}) => {
          const signer = options.idp ?? idp;
          const key =
            options.key ?? (options.alg ? signer.keys.find((k) => k.alg === options.alg) : undefined);
          if (options.alg && !key) throw new Error(`the test IdP has no ${options.alg} key`);
          const signOptions = {
            ...(key ? { key } : {}),
            ...(options.header ? { header: options.header } : {}),
          };
          return signer.sign({ sub: SUBJECT, aud: AUDIENCE, ...claims }, signOptions);
        },
      };
    });

    afterAll(async () => {
      for (const app of apps.values()) await app.close();
      await idp?.close();
      await down?.close();
      await hanging?.close();
    });

    it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, testCase) => {
      const request = await testCase.request(fixture);
      const app = apps.get(testCase.app ?? "up");
      if (!app) throw new Error(`no app ${testCase.app}`);
      const { res, text } = await send(app, request);
      const expected = typeof testCase.expect === "function" ? testCase.expect(fixture) : testCase.expect;
      if (expected.status !== 503) {
        // The same request twice more: the verified-token cache admits a token on its second sight and
        // answers the third from the synchronous fast path, which must answer byte for byte alike.
        for (let again = 0; again < 2; again++) {
          const repeat = await send(app, request);
          expect(repeat.res.status).toBe(res.status);
          expect(repeat.text).toBe(text);
          for (const name of ["www-authenticate", "retry-after", "content-type"])
            expect(repeat.res.headers.get(name)).toBe(res.headers.get(name));
        }
      }
      const challenge = res.headers.get("www-authenticate");

      if (testCase.unknownRoute && harness.routesBeforeAuthentication) {
        expect(res.status).toBe(404);
        expect(challenge).toBeNull();
        return;
      }

      expect(res.status).toBe(expected.status);
      // No response ever echoes the credential it was sent.
      if (request.token !== undefined && request.token.length >= 6) expect(text).not.toContain(request.token);

      if ("served" in expected) {
        // Written by the adapter exactly as core's metadataResponse computed it.
        for (const [name, value] of Object.entries(expected.served.headers))
          expect([name, res.headers.get(name)]).toEqual([name, value]);
        expect(challenge).toBeNull();
        if (expected.served.json === undefined) expect(text).toBe(expected.served.text ?? "");
        else {
          expect(JSON.parse(text)).toEqual(expected.served.json);
          expect(Buffer.byteLength(text)).toBe(Number(res.headers.get("content-length")));
        }
        return;
      }
      if (expected.status === 200) {
        expect(challenge).toBeNull();
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(JSON.parse(text)).toEqual(expected.body);
        return;
      }
      harness.expectErrorBody(text, res.headers.get("content-type"), expected);
      if (expected.status === 503) {
        // RFC 6750 has no challenge for an outage; Retry-After (RFC 9110 §10.2.3) says when to retry.
        expect(challenge).toBeNull();
        expect(res.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/);
        return;
      }
      expect(res.headers.get("retry-after")).toBeNull();
      expect(challenge).not.toBeNull();
      expect(parseChallenges(challenge as string)).toEqual([
        { scheme: "Bearer", params: expected.challenge },
      ]);
    });

    it("fetched the healthy IdP's keys once per app for the whole table", () => {
      // One verifier per app (two apps use the healthy IdP), built at start-up and reused: discovery
      // once each, and the JWKS once each plus the single refetch allowed for the unknown kid.
      expect(idp.metadataHits).toBe(2);
      expect(idp.jwksHits).toBeLessThanOrEqual(3);
    });
  });
  runOptionalAuthConformance(harness);
}
