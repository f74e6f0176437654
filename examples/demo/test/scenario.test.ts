/**
 * The scenario's verdicts can fail: against an API that still accepts expired tokens (a 30 s
 * clockTolerance the integrator does not know about), the expiry step must be reported as not
 * behaving, and the renewal steps that depend on it too, while every other step still passes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthorizationServer, startAuthorizationServer } from "../src/authorization-server.js";
import { runScenario } from "../src/scenario.js";
import { type RunningApi, startOrdersApi } from "../src/start-api.js";
import { createTranscript } from "../src/transcript.js";

let as: AuthorizationServer;
let api: RunningApi;
beforeAll(async () => {
  as = await startAuthorizationServer({ accessTokenTtl: 1 });
  api = await startOrdersApi("express", { issuer: as.issuer, audience: as.audience, clockTolerance: 30 });
});
afterAll(async () => {
  await api.close();
  await as.close();
});

describe("runScenario", () => {
  it("reports the expiry step and the renewal after it as failed when the API accepts an expired token", async () => {
    const lines: string[] = [];
    const result = await runScenario({
      tokenEndpoint: as.tokenEndpoint,
      apiUrl: api.url,
      clockTolerance: 0,
      transcript: createTranscript((line) => lines.push(line), false),
    });

    expect(result).toEqual({ total: 11, passed: 8 });
    const verdicts = lines.filter((line) => /^ {4}[✔✘] step \d+:/.test(line));
    expect(verdicts).toHaveLength(11);
    expect(verdicts.slice(0, 8).every((line) => line.startsWith("    ✔"))).toBe(true);
    expect(verdicts.slice(8)).toEqual([
      '    ✘ step 9: expected 401 invalid_token "The token has expired", got 200',
      '    ✘ step 10: expected 200 Bearer token, scope "orders:read orders:write", got no answer (step 9 did not answer invalid_token, so the client has no reason to renew)',
      "    ✘ step 11: expected 200, got no answer (step 10 did not yield a token)",
    ]);
  });
});
