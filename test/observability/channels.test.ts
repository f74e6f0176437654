/**
 * The diagnostics channels (issue 16): every verification outcome and key-set event is published,
 * with reason codes and configured issuers only, never token data.
 */
import { subscribe, tracingChannel, unsubscribe } from "node:diagnostics_channel";
import {
  CHANNEL_NAMES,
  createVerifier,
  type KeySetEvent,
  type VerificationEvent,
} from "@resource-guard/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIdp;
let down: TestIdp;
const verifications: VerificationEvent[] = [];
const keyEvents: KeySetEvent[] = [];
const onVerification = (event: unknown) => verifications.push({ ...(event as VerificationEvent) });
const onKeys = (event: unknown) => keyEvents.push({ ...(event as KeySetEvent) });

beforeAll(async () => {
  idp = await startTestIdp();
  down = await startTestIdp();
  down.fault = "status-500";
  subscribe(CHANNEL_NAMES.verification, onVerification);
  subscribe(CHANNEL_NAMES.keys, onKeys);
});
afterAll(async () => {
  unsubscribe(CHANNEL_NAMES.verification, onVerification);
  unsubscribe(CHANNEL_NAMES.keys, onKeys);
  await idp.close();
  await down.close();
});
afterEach(() => {
  verifications.length = 0;
  keyEvents.length = 0;
});

describe("the verification channel", () => {
  it("publishes each outcome with its reason, issuer, scheme and cache use, and no token data", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await idp.sign({ sub: "secret-subject", aud: AUDIENCE, scope: "orders:read" });
    const request = { headers: { authorization: `Bearer ${token}` } };
    // Admitted to the cache on second sight, answered from it on the third.
    for (let i = 0; i < 3; i++) await verifier.authenticate(request);
    const expired = await idp.sign({
      sub: "secret-subject",
      aud: AUDIENCE,
      exp: Math.floor(Date.now() / 1000) - 60,
    });
    await verifier.authenticate({ headers: { authorization: `Bearer ${expired}` } }).catch(() => undefined);
    await verifier.authenticate({ headers: {} }).catch(() => undefined);
    await verifier.authenticate({ headers: {} }, { credentialsRequired: false });

    expect(verifications).toEqual([
      { outcome: "accepted", issuer: idp.issuer, scheme: "Bearer", cached: false },
      { outcome: "accepted", issuer: idp.issuer, scheme: "Bearer", cached: false },
      { outcome: "accepted", issuer: idp.issuer, scheme: "Bearer", cached: true },
      {
        outcome: "rejected",
        status: 401,
        code: "invalid_token",
        reason: "expired",
        issuer: idp.issuer,
        scheme: "Bearer",
        cached: false,
      },
      { outcome: "rejected", status: 401, code: undefined, reason: "no_credentials", cached: false },
      { outcome: "anonymous", cached: false },
    ]);
    const published = JSON.stringify(verifications);
    expect(published).not.toContain(token.slice(0, 20));
    expect(published).not.toContain("secret-subject");
  });

  it("publishes 503s as unavailable, and never an unmatched iss", async () => {
    const verifier = createVerifier({ issuer: down.issuer, audience: AUDIENCE, maxBackoffMs: 1000 });
    await verifier.verify(await down.sign({ sub: "u", aud: AUDIENCE })).catch(() => undefined);
    await verifier.verify(await idp.sign({ sub: "u", aud: AUDIENCE })).catch(() => undefined);
    expect(verifications).toEqual([
      {
        outcome: "unavailable",
        status: 503,
        code: undefined,
        reason: expect.any(String),
        issuer: down.issuer,
        scheme: "Bearer",
        cached: false,
      },
      {
        outcome: "rejected",
        status: 401,
        code: "invalid_token",
        reason: "issuer",
        scheme: "Bearer",
        cached: false,
      },
    ]);
  });

  it("keeps a cached token synchronous for the adapters while only the verification channel listens", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await idp.sign({ sub: "u", aud: AUDIENCE });
    const request = { headers: { authorization: `Bearer ${token}` } };
    await verifier.authenticate(request);
    await verifier.authenticate(request);
    verifications.length = 0;
    // Third sight: the cache answers, and the outcome is published before the call returns.
    const cached = verifier.authenticateMaybeSync(request);
    expect(cached).not.toBeInstanceOf(Promise);
    expect((cached as { claims: { sub: string } }).claims.sub).toBe("u");
    expect(verifications).toEqual([
      { outcome: "accepted", issuer: idp.issuer, scheme: "Bearer", cached: true },
    ]);
    // A synchronous failure is thrown (as without subscribers) and published first.
    expect(() => verifier.authenticateMaybeSync({ headers: {} })).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(verifications[1]).toMatchObject({ outcome: "rejected", status: 401, reason: "no_credentials" });
    // A trace subscriber needs the call's end as a promise settling.
    const handlers = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    const trace = tracingChannel(CHANNEL_NAMES.verify);
    trace.subscribe(handlers);
    try {
      const traced = verifier.authenticateMaybeSync(request);
      expect(traced).toBeInstanceOf(Promise);
      expect((await traced).claims.sub).toBe("u");
    } finally {
      trace.unsubscribe(handlers);
    }
  });

  it("traces each verification, the outcome complete when the trace ends", async () => {
    const ended: VerificationEvent[] = [];
    const handlers = {
      start() {},
      end() {},
      asyncStart() {},
      asyncEnd(event: VerificationEvent) {
        ended.push({ ...event });
      },
      error() {},
    };
    const trace = tracingChannel<unknown, VerificationEvent>(CHANNEL_NAMES.verify);
    trace.subscribe(handlers);
    try {
      const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
      await verifier.verify(await idp.sign({ sub: "u", aud: AUDIENCE }));
      await verifier.verify("a.b.c").catch(() => undefined);
    } finally {
      trace.unsubscribe(handlers);
    }
    expect(ended).toEqual([
      { outcome: "accepted", issuer: idp.issuer, scheme: "Bearer", cached: false },
      {
        outcome: "rejected",
        status: 401,
        code: "invalid_token",
        reason: "malformed",
        scheme: "Bearer",
        cached: false,
      },
    ]);
  });
});

describe("the key-set channel", () => {
  it("publishes fetched, kid_miss and rotated, then failed and backoff", async () => {
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: AUDIENCE,
      cooldownMs: 0,
      maxBackoffMs: 1000,
    });
    await verifier.verify(await idp.sign({ sub: "u", aud: AUDIENCE }));
    const key = await idp.rotate("ES256");
    await verifier.verify(await idp.sign({ sub: "u", aud: AUDIENCE }, { key }));
    idp.fault = "status-500";
    const unknown = await idp.rotate("ES256");
    await verifier
      .verify(await idp.sign({ sub: "u", aud: AUDIENCE }, { key: unknown }))
      .catch(() => undefined);
    idp.fault = null;
    const types = keyEvents.map((event) => event.type);
    expect(types).toEqual(["fetched", "kid_miss", "fetched", "rotated", "kid_miss", "failed", "backoff"]);
    expect(keyEvents[0]).toEqual({ type: "fetched", issuer: idp.issuer, url: idp.jwksUri, keys: 1 });
    expect(keyEvents[5]).toMatchObject({ type: "failed", issuer: idp.issuer, url: idp.jwksUri });
    expect(keyEvents[6]?.retryInMs).toBeGreaterThan(0);
  });
});
