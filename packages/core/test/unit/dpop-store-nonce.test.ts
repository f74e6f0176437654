/**
 * DPoP's state: the replay store (RFC 9449 §11.1) with its bound and every way it can fail, and
 * stateless server nonces (§8, §9) across time steps, rotation secrets and a fleet of verifiers.
 * The clock is the verifier's `now` option, so time moves only when a test moves it.
 */
import {
  createMemoryReplayStore,
  createVerifier,
  type ReplayStore,
  type VerifierOptions,
} from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDPoPClient, type DPoPClient } from "../../../../test/support/dpop.js";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
const URL_ = "https://api.example.com/orders";
const SECRET = "a nonce secret of at least 32 bytes!";
let idp: TestIdp;
let client: DPoPClient;
let token: string;
let clockMs = Date.now();
const now = () => clockMs;

beforeAll(async () => {
  idp = await startTestIdp();
  client = await createDPoPClient("ES256");
  token = await idp.sign({
    sub: "u1",
    aud: AUDIENCE,
    cnf: { jkt: client.jkt },
    exp: Math.floor(clockMs / 1000) + 3600,
  });
});
afterAll(() => idp.close());

function verifierWith(dpop: VerifierOptions["dpop"]) {
  return createVerifier({ issuer: idp.issuer, audience: AUDIENCE, dpop, now });
}

async function proof(extra: { nonce?: string; jti?: string } = {}) {
  return client.proof({ htu: URL_, token, iat: Math.floor(clockMs / 1000), ...extra });
}

function request(dpop: string) {
  return { headers: { authorization: `DPoP ${token}`, dpop }, method: "GET", absoluteUrl: URL_ };
}

interface Outcome {
  status: number;
  code?: string | undefined;
  reason: string;
  headers: Record<string, string>;
}

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    () => ({ status: 200, reason: "accepted", headers: {} }),
    (e: Outcome) => ({ status: e.status, code: e.code, reason: e.reason, headers: e.headers }),
  );
}

describe("the replay store", () => {
  it("refuses a proof used twice, and the same jti under another key is a different proof", async () => {
    const verifier = verifierWith({});
    const jti = "same-jti";
    await verifier.authenticate(request(await proof({ jti })));
    expect(await outcome(verifier.authenticate(request(await proof({ jti }))))).toMatchObject({
      status: 401,
      code: "invalid_dpop_proof",
      reason: "replay",
    });
    const other = await createDPoPClient("ES256");
    const otherToken = await idp.sign({ sub: "u2", aud: AUDIENCE, cnf: { jkt: other.jkt } });
    const otherProof = await other.proof({
      htu: URL_,
      token: otherToken,
      jti,
      iat: Math.floor(clockMs / 1000),
    });
    await verifier.authenticate({
      headers: { authorization: `DPoP ${otherToken}`, dpop: otherProof },
      method: "GET",
      absoluteUrl: URL_,
    });
  });

  it("passes short hashed keys and an expiry at the end of the iat window", async () => {
    const calls: [string, number][] = [];
    const store: ReplayStore = {
      add(key, expiresAtMs) {
        calls.push([key, expiresAtMs]);
        return true;
      },
    };
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: AUDIENCE,
      dpop: { replayStore: store, iatWindowSeconds: 100 },
      clockTolerance: 5,
      now,
    });
    const iat = Math.floor(clockMs / 1000);
    await verifier.authenticate(request(await client.proof({ htu: URL_, token, iat, jti: "the-raw-jti" })));
    expect(calls).toHaveLength(1);
    const [key, expiresAtMs] = calls[0] as [string, number];
    expect(key).toMatch(/^dpop:[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain("the-raw-jti");
    expect(expiresAtMs).toBe((iat + 105) * 1000);
  });

  it("accepts a store that answers asynchronously", async () => {
    const seen = new Set<string>();
    const store: ReplayStore = {
      add: async (key) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    };
    const verifier = verifierWith({ replayStore: store });
    const used = await proof();
    await verifier.authenticate(request(used));
    expect(await outcome(verifier.authenticate(request(used)))).toMatchObject({ reason: "replay" });
  });

  const failing: [string, ReplayStore, string][] = [
    [
      "throws",
      {
        add() {
          throw new Error("ECONNREFUSED 10.0.0.1:6379");
        },
      },
      "replay_store_error",
    ],
    ["rejects", { add: () => Promise.reject(new Error("READONLY")) }, "replay_store_error"],
    ["never answers", { add: () => new Promise<boolean>(() => {}) }, "replay_store_timeout"],
    ["answers undefined", { add: () => undefined as unknown as boolean }, "replay_store_answer"],
    ["answers a string", { add: () => Promise.resolve("OK" as unknown as boolean) }, "replay_store_answer"],
  ];
  it.each(failing)(
    "answers 503 with Retry-After, never accepting, when the store %s",
    async (_name, store, reason) => {
      const verifier = verifierWith({ replayStore: store, storeTimeoutMs: 50 });
      const result = await outcome(verifier.authenticate(request(await proof())));
      expect(result).toEqual({ status: 503, code: undefined, reason, headers: { "Retry-After": "2" } });
    },
  );

  it("the default store is bounded: full, it refuses new proofs with 503 until entries expire", async () => {
    const store = createMemoryReplayStore({ maxEntries: 2, now });
    const verifier = verifierWith({ replayStore: store, iatWindowSeconds: 30 });
    await verifier.authenticate(request(await proof()));
    await verifier.authenticate(request(await proof()));
    expect(store.size).toBe(2);
    const full = await outcome(verifier.authenticate(request(await proof())));
    // The oldest entry expires at iat + 30 s + 5 s of clockTolerance.
    expect(full).toEqual({
      status: 503,
      code: undefined,
      reason: "replay_store_full",
      headers: { "Retry-After": "35" },
    });
    const start = clockMs;
    try {
      clockMs += 36_000;
      await verifier.authenticate(request(await proof()));
      expect(store.size).toBe(1);
    } finally {
      clockMs = start;
    }
  });

  it("the memory store never forgets a live key, and refuses what no caller of core would send", () => {
    let t = 1000;
    const store = createMemoryReplayStore({ maxEntries: 3, now: () => t });
    expect(store.add("a", 5000)).toBe(true);
    expect(store.add("a", 5000)).toBe(false);
    expect(store.add("b", 2000)).toBe(true);
    expect(store.add("c", 9000)).toBe(true);
    expect(() => store.add("d", 9000)).toThrow(
      expect.objectContaining({ status: 503, reason: "replay_store_full" }),
    );
    expect(store.add("a", 9000)).toBe(false);
    t = 2000; // "b" expired: room for one more, the live ones kept.
    expect(store.add("d", 9000)).toBe(true);
    expect(store.add("a", 9000)).toBe(false);
    expect(store.add("c", 9000)).toBe(false);
    t = 5000; // "a" expired: it may be used again.
    expect(store.add("a", 9000)).toBe(true);
    expect(store.add("expired-already", 4000)).toBe(true);
    expect(store.size).toBe(3);
    expect(() => store.add("k".repeat(129), 9000)).toThrow(TypeError);
    expect(() => createMemoryReplayStore({ maxEntries: 0 })).toThrow(TypeError);
  });

  it("holds 100,000 entries by default within its documented memory bound", () => {
    const store = createMemoryReplayStore({ now: () => 0 });
    for (let i = 0; i < 100_000; i++) store.add(`dpop:${i.toString().padStart(43, "x")}`, 1000);
    expect(store.size).toBe(100_000);
    expect(() => store.add("dpop:one-more", 1000)).toThrow(
      expect.objectContaining({ reason: "replay_store_full" }),
    );
  });
});

describe("server nonces", () => {
  it("asks for a nonce with use_dpop_nonce and a DPoP-Nonce header, then accepts it", async () => {
    const verifier = verifierWith({ nonce: { secret: SECRET }, algorithms: ["ES256"] });
    const first = await outcome(verifier.authenticate(request(await proof())));
    const nonce = first.headers["DPoP-Nonce"] as string;
    expect(first).toEqual({
      status: 401,
      code: "use_dpop_nonce",
      reason: "nonce_missing",
      headers: {
        "DPoP-Nonce": nonce,
        "WWW-Authenticate":
          'Bearer realm="api", DPoP realm="api", algs="ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
      },
    });
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const auth = await verifier.authenticate(request(await proof({ nonce })));
    expect(auth.responseHeaders).toBeUndefined();
  });

  it("accepts the previous step's nonce and hands out the current one; older is stale", async () => {
    const verifier = verifierWith({ nonce: { secret: SECRET, lifetimeMs: 10_000 } });
    const start = clockMs;
    try {
      const nonce = (await outcome(verifier.authenticate(request(await proof())))).headers[
        "DPoP-Nonce"
      ] as string;
      clockMs += 10_000;
      const auth = await verifier.authenticate(request(await proof({ nonce })));
      const fresh = auth.responseHeaders?.["DPoP-Nonce"];
      expect(fresh).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(fresh).not.toBe(nonce);
      expect(auth.scheme).toBe("DPoP");
      clockMs += 10_000;
      const stale = await outcome(verifier.authenticate(request(await proof({ nonce }))));
      expect(stale).toMatchObject({ status: 401, code: "use_dpop_nonce", reason: "nonce_stale" });
      expect(stale.headers["DPoP-Nonce"]).not.toBe(nonce);
      expect(await outcome(verifier.authenticate(request(await proof({ nonce: "made-up" }))))).toMatchObject({
        reason: "nonce_stale",
      });
    } finally {
      clockMs = start;
    }
  });

  it("a fleet sharing the secret accepts each other's nonces, without shared state", async () => {
    const a = verifierWith({ nonce: { secret: SECRET } });
    const b = verifierWith({ nonce: { secret: SECRET } });
    const other = verifierWith({ nonce: { secret: `${SECRET} but another` } });
    const nonce = (await outcome(a.authenticate(request(await proof())))).headers["DPoP-Nonce"] as string;
    await b.authenticate(request(await proof({ nonce })));
    expect(await outcome(other.authenticate(request(await proof({ nonce }))))).toMatchObject({
      reason: "nonce_stale",
    });
  });

  it("rotates secrets: nonces of an older secret are accepted and renewed", async () => {
    const old = verifierWith({ nonce: { secret: SECRET } });
    const rotated = verifierWith({ nonce: { secrets: [`${SECRET} (new)`, SECRET] } });
    const nonce = (await outcome(old.authenticate(request(await proof())))).headers["DPoP-Nonce"] as string;
    const auth = await rotated.authenticate(request(await proof({ nonce })));
    const renewed = auth.responseHeaders?.["DPoP-Nonce"] as string;
    expect(renewed).not.toBe(nonce);
    const again = await rotated.authenticate(request(await proof({ nonce: renewed })));
    expect(again.responseHeaders).toBeUndefined();
  });

  it("without a secret, nonces are the verifier's own", async () => {
    const a = verifierWith({ nonce: true });
    const b = verifierWith({ nonce: {} });
    const nonce = (await outcome(a.authenticate(request(await proof())))).headers["DPoP-Nonce"] as string;
    await a.authenticate(request(await proof({ nonce })));
    expect(await outcome(b.authenticate(request(await proof({ nonce }))))).toMatchObject({
      reason: "nonce_stale",
    });
  });
});

describe("dpop options", () => {
  const base = { issuer: "https://idp.example.com", audience: AUDIENCE };
  it.each([
    [{ algorithms: ["HS256"] }, /asymmetric keys only/],
    [{ algorithms: ["none"] }, /unknown algorithm "none"/],
    [{ algorithms: [] }, /non-empty array/],
    [{ required: "yes" }, /"dpop.required" must be true or false/],
    [{ nonce: { secret: "short" } }, /at least 32 bytes/],
    [{ nonce: { secret: SECRET, secrets: [SECRET] } }, /"secret" or "secrets"/],
    [{ nonce: { secrets: [] } }, /non-empty array/],
    [{ nonce: { lifetimeMs: 10 } }, /"dpop.nonce.lifetimeMs" must be a number from 1000/],
    [{ nonce: { ttl: 5 } }, /unknown option "ttl" in dpop.nonce/],
    [{ replayStore: {} }, /add\(key, expiresAtMs\)/],
    [{ iatWindowSeconds: 0 }, /"dpop.iatWindowSeconds" must be a number from 1 to 3600/],
    [{ requried: true }, /unknown option "requried" in dpop; known options are: required, algorithms/],
  ])("refuses %j", (dpop, message) => {
    expect(() => createVerifier({ ...base, dpop: dpop as never })).toThrow(message);
  });

  it("refuses rejectDPoPBoundTokens: false together with dpop", () => {
    expect(() => createVerifier({ ...base, dpop: {}, rejectDPoPBoundTokens: false })).toThrow(
      /RFC 9449 §7.2/,
    );
  });

  it("puts the algorithms in the challenge and drops Bearer when DPoP is required", () => {
    expect(createVerifier({ ...base, dpop: { algorithms: ["EdDSA", "ES256"] } }).challenge).toMatchObject({
      bearer: true,
      dpopAlgs: ["EdDSA", "ES256"],
    });
    expect(createVerifier({ ...base, dpop: { required: true } }).challenge.bearer).toBe(false);
    expect(createVerifier(base).challenge).toMatchObject({ bearer: true, dpopAlgs: undefined });
  });
});
