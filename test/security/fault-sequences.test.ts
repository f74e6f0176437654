/**
 * Fault sequences as a property (fast-check): for any interleaving of provider faults, clock moves
 * and requests, while the issuer's key set itself does not change, the verifier never blames the
 * client for the provider's trouble. A valid token is accepted or answered 503 and never 401. An
 * expired token or an unknown kid is 401 or 503 and never accepted. Once the provider is healthy and
 * the backoff has passed, a valid token is accepted again. The example-based tests in
 * idp-faults.test.ts pin each fault; this file looks for the orders of events nobody thought of.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Fault, makeKey } from "../support/idp.js";
import { goodClaims, goodHeader, signObjects } from "./forge.js";
import { rejectionOf, startFixture } from "./harness.js";

const MAX_BACKOFF_MS = 2000;
const FAULTS: Fault[] = [
  null,
  "status-500",
  "status-404",
  "hang",
  "reset",
  "truncated",
  "not-json",
  "huge",
  "redirect-loop",
];

type Step =
  | { type: "fault"; fault: Fault }
  | { type: "advance"; ms: number }
  | { type: "valid" }
  | { type: "expired" }
  | { type: "unknownKid" }
  | { type: "heal" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant("fault" as const), fault: fc.constantFrom(...FAULTS) }),
  fc.record({
    type: fc.constant("advance" as const),
    ms: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 30 * 60_000 })),
  }),
  fc.constant({ type: "valid" as const }),
  fc.constant({ type: "valid" as const }),
  fc.constant({ type: "expired" as const }),
  fc.constant({ type: "unknownKid" as const }),
  fc.constant({ type: "heal" as const }),
);

describe("any sequence of provider faults", () => {
  it("never answers 401 to a valid token, never accepts a bad one, and recovers once healed", async () => {
    const stranger = await makeKey("ES256", "not-in-the-jwks");
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 12 }),
        async (discovery, steps) => {
          const fx = await startFixture({
            idp: { algs: ["ES256"] },
            verifier: (idp) => ({
              timeoutMs: 300,
              cooldownMs: 1000,
              maxBackoffMs: MAX_BACKOFF_MS,
              tokenCache: false,
              ...(discovery ? {} : { jwksUri: idp.jwksUri }),
            }),
          });
          const key = fx.idp.keys[0]!;
          let healed = false;
          try {
            for (const s of steps) {
              if (s.type === "fault") {
                fx.idp.fault = s.fault;
                healed = false;
              } else if (s.type === "advance") {
                fx.clock.advance(s.ms);
              } else if (s.type === "heal") {
                fx.idp.fault = null;
                fx.clock.advance(MAX_BACKOFF_MS + 1);
                healed = true;
              } else {
                const claims = goodClaims(fx.idp, {}, fx.clock.now());
                if (s.type === "expired")
                  Object.assign(claims, { iat: claims.iat - 7200, exp: claims.iat - 3600 });
                const signer = s.type === "unknownKid" ? stranger : key;
                const token = signObjects(goodHeader(signer), claims, signer);
                const outcome = await fx.verifier.verify(token).then(
                  () => ({ status: 200, reason: "ok" }),
                  (err: unknown) => rejectionOf(Promise.reject(err)),
                );
                if (s.type === "valid") {
                  expect(healed ? [200] : [200, 503]).toContain(outcome.status);
                } else {
                  expect([401, 503]).toContain(outcome.status);
                  if (outcome.status === 401) {
                    expect(outcome.reason).toBe(s.type === "expired" ? "expired" : "unknown_key");
                  }
                }
                // Only a healthy, past-backoff provider was promised to serve; later steps may fail again.
                if (s.type === "valid") healed = false;
              }
            }
          } finally {
            await fx.idp.close();
          }
        },
      ),
      { numRuns: 100, seed: 8725 },
    );
  });
});
