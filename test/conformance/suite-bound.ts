/**
 * Runs the sender-constrained rows (cases-dpop.ts, cases-mtls.ts) against one harness: a test IdP of its own, one
 * app per configuration in BOUND_APPS (the mTLS ones over HTTPS with a PKI made here), each row's
 * requests sent over real sockets with node:http(s) so header fields and client certificates go out
 * exactly as written, and the status, every parsed challenge, extra headers and the body compared.
 */
import type { VerifierOptions } from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPki, type RawResponse, rawRequest } from "../support/certificates.js";
import { createDPoPClient } from "../support/dpop.js";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import {
  BOUND_APPS,
  BOUND_AUDIENCE,
  type BoundAppName,
  type BoundCase,
  type BoundFixture,
} from "./cases-bound.js";
import { DPOP_CASES } from "./cases-dpop.js";
import { MTLS_CASES } from "./cases-mtls.js";
import { parseChallenges } from "./challenge-parser.js";
import type { Harness, RunningApp } from "./harness.js";

/** Every sender-constrained row: DPoP, then mTLS. */
const BOUND_CASES: readonly BoundCase[] = [...DPOP_CASES, ...MTLS_CASES];

/** Declares the sender-constrained rows for `harness`. */
export function runBoundConformance(harness: Harness): void {
  describe(`conformance (DPoP, mTLS): ${harness.name}`, () => {
    let idp: TestIdp;
    let fixture: BoundFixture;
    const apps = new Map<BoundAppName, RunningApp>();

    beforeAll(async () => {
      idp = await startTestIdp({ algs: ["ES256"] });
      const pki = await createPki();
      fixture = {
        idp,
        pki,
        alice: await pki.client("alice"),
        bob: await pki.client("bob"),
        dpop: await createDPoPClient("ES256"),
        otherDpop: await createDPoPClient("ES256"),
        sign: (claims = {}) =>
          idp.sign({ sub: "user-1", aud: BOUND_AUDIENCE, scope: "orders:read", ...claims }),
      };
      for (const [name, app] of Object.entries(BOUND_APPS)) {
        if (app.https && harness.noClientCertificates !== undefined) continue;
        const options = { issuer: idp.issuer, audience: BOUND_AUDIENCE, ...app.options } as VerifierOptions;
        apps.set(
          name as BoundAppName,
          await harness.start(options, app.https ? pki.serverOptions() : undefined),
        );
      }
    });

    afterAll(async () => {
      for (const app of apps.values()) await app.close();
      await idp?.close();
    });

    const cases = BOUND_CASES.filter(
      (c) => harness.noClientCertificates === undefined || !BOUND_APPS[c.app].https,
    );
    if (cases.length < BOUND_CASES.length)
      it.skip(`mTLS rows (${BOUND_CASES.length - cases.length}): ${harness.noClientCertificates}`, () => {});
    it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, testCase) => {
      const app = apps.get(testCase.app) as RunningApp;
      let res: RawResponse | undefined;
      let sent: Awaited<ReturnType<typeof testCase.request>> | undefined;
      for (let step = 0; step < (testCase.steps ?? 1); step++) {
        sent = await testCase.request(fixture, app.url, res);
        res = await rawRequest(app.url + sent.path, {
          ...(sent.headers ? { headers: sent.headers } : {}),
          ca: fixture.pki.ca,
          ...(sent.cert ? { cert: sent.cert } : {}),
        });
      }
      if (res === undefined || sent === undefined) throw new Error("no request was sent");
      const expected = testCase.expect;
      const challenge = res.headers["www-authenticate"];

      expect(res.status).toBe(expected.status);
      if (sent.token !== undefined) expect(res.body).not.toContain(sent.token);
      const proof = sent.headers?.dpop;
      if (typeof proof === "string" && proof.length > 12) expect(res.body).not.toContain(proof);

      if (expected.status !== 503) {
        for (const [name, pattern] of Object.entries(expected.headers ?? {})) {
          expect(String(res.headers[name])).toMatch(pattern);
        }
      }
      if (expected.status === 200) {
        expect(challenge).toBeUndefined();
        expect(JSON.parse(res.body)).toEqual(expected.body);
        return;
      }
      harness.expectErrorBody(res.body, String(res.headers["content-type"] ?? ""), expected);
      if (expected.status === 503) {
        expect(challenge).toBeUndefined();
        expect(res.headers["retry-after"]).toMatch(/^[1-9][0-9]*$/);
        return;
      }
      expect(parseChallenges(String(challenge))).toEqual(expected.challenges);
      if (expected.code !== "use_dpop_nonce") expect(res.headers["dpop-nonce"]).toBeUndefined();
    });
  });
}
