/**
 * A fleet's DPoP replay store: two instances of one API, each its own Node process (one on node-redis,
 * one on ioredis), sharing one real redis-server through redisStore. A proof used at one instance is
 * refused at the other, a proof sent to both at once is accepted once, the keyspace holds only hashes
 * with an expiry, and while Redis is paused or killed the fleet answers 503 with Retry-After, then
 * serves again by itself.
 */
import {
  createVerifier,
  type InvalidDPoPProofError as DPoPErrorType,
  InvalidDPoPProofError,
  type VerifierOptions,
} from "@resource-guard/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDPoPClient, type DPoPClient } from "../../../examples/fleet/src/dpop-client.js";
import { eventually } from "./clients.js";
import { AUDIENCE, type Fleet, get, PREFIX, PUBLIC_ORIGIN, startFleet } from "./fleet/harness.js";
import type { Instance } from "./fleet/start-instance.js";

describe("a fleet of two instances on one Redis: DPoP", () => {
  let fleet: Fleet;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    fleet = await startFleet();
    ({ a, b } = fleet);
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it("starts two instances that each serve a bearer JWT (the harness the tests below rely on)", async () => {
    const token = await fleet.idp.sign({ aud: AUDIENCE, sub: "jwt-client", scope: "orders:read" });
    for (const instance of [a, b]) {
      const answer = await get(instance, { authorization: `Bearer ${token}` });
      expect(answer.status, instance.stderr()).toBe(200);
      expect(answer.body).toStrictEqual({ sub: "jwt-client", scheme: "Bearer", introspected: false });
    }
  });

  describe("DPoP replay store", () => {
    let client: DPoPClient;
    let token: string;
    let replayChallenge: string;
    const url = `${PUBLIC_ORIGIN}/orders`;

    beforeAll(async () => {
      client = await createDPoPClient();
      token = await fleet.idp.sign({
        aud: AUDIENCE,
        sub: "dpop-client",
        scope: "orders:read",
        cnf: { jkt: client.jkt },
      });
      const verifier = createVerifier({
        issuer: fleet.idp.issuer,
        jwksUri: fleet.idp.jwksUri,
        audience: AUDIENCE,
        dpop: { replayStore: { add: () => true } },
      } as VerifierOptions);
      const expected: DPoPErrorType = new InvalidDPoPProofError("replay", verifier.challenge);
      replayChallenge = expected.headers["WWW-Authenticate"] as string;
    });

    const dpopHeaders = (proof: string) => ({ authorization: `DPoP ${token}`, dpop: proof });

    it("refuses at one instance a proof already used at the other", async () => {
      const proof = await client.proof("GET", url, token);
      const first = await get(a, dpopHeaders(proof));
      expect(first.status, a.stderr()).toBe(200);
      expect(first.body).toStrictEqual({ sub: "dpop-client", scheme: "DPoP", introspected: false });

      for (const instance of [b, a]) {
        const replay = await get(instance, dpopHeaders(proof));
        expect(replay.status).toBe(401);
        expect(replay.headers.get("www-authenticate")).toBe(replayChallenge);
        expect(replay.body).toStrictEqual({
          error: "invalid_dpop_proof",
          error_description: "The DPoP proof has been used before",
        });
      }
      // A fresh proof is served by the other instance: only the replay was refused.
      expect((await get(b, dpopHeaders(await client.proof("GET", url, token)))).status).toBe(200);
    });

    it("accepts exactly once a proof sent to both instances at the same moment", async () => {
      const proof = await client.proof("GET", url, token);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => get(i % 2 === 0 ? a : b, dpopHeaders(proof))),
      );
      expect(answers.map((answer) => answer.status).sort()).toStrictEqual([200, ...Array(9).fill(401)]);
    });

    it("keeps in Redis only hashed keys with an expiry, never the token, the proof or its jti", async () => {
      const proof = await client.proof("GET", url, token);
      expect((await get(a, dpopHeaders(proof))).status).toBe(200);
      const jti = JSON.parse(Buffer.from(proof.split(".")[1] as string, "base64url").toString())
        .jti as string;
      const entries = (await fleet.keyspace()).filter(
        (entry) => !entry.key.startsWith(`${PREFIX}introspection:`),
      );
      expect(entries.length).toBeGreaterThanOrEqual(3);
      for (const { key, value, pttl } of entries) {
        expect(key).toMatch(/^fleet-api:[A-Za-z0-9:_-]{1,100}$/);
        expect(pttl).toBeGreaterThan(0);
        for (const secret of [token, proof, jti, ...token.split("."), ...proof.split(".")]) {
          expect(key).not.toContain(secret);
          expect(value).not.toContain(secret);
        }
      }
    });

    it("answers 503 with Retry-After while Redis is paused, never accepts the unchecked proof, and serves again after", async () => {
      const unchecked = await client.proof("GET", url, token);
      fleet.redis.pause();
      try {
        for (const [instance, proof] of [
          [a, unchecked],
          [b, await client.proof("GET", url, token)],
        ] as const) {
          const answer = await get(instance, dpopHeaders(proof));
          expect(answer.status, instance.stderr()).toBe(503);
          expect(answer.headers.get("retry-after")).toBe("2");
          expect(answer.headers.get("www-authenticate")).toBeNull();
          expect(answer.body).toStrictEqual({ error: "temporarily_unavailable" });
        }
      } finally {
        fleet.redis.resume();
      }
      for (const instance of [a, b]) {
        await eventually(async () => {
          const answer = await get(instance, dpopHeaders(await client.proof("GET", url, token)));
          if (answer.status !== 200) throw new Error(`still ${answer.status}`);
        });
      }
      // The check sent during the pause ran when Redis resumed: the proof counts as used.
      expect((await get(b, dpopHeaders(unchecked))).status).toBe(401);
    });

    it("answers 503 with Retry-After while Redis is killed, and serves again after a restart without restarting the instances", async () => {
      await fleet.redis.kill();
      for (const instance of [a, b]) {
        const answer = await get(instance, dpopHeaders(await client.proof("GET", url, token)));
        expect(answer.status).toBe(503);
        expect(answer.headers.get("retry-after")).toBe("2");
        expect(answer.body).toStrictEqual({ error: "temporarily_unavailable" });
      }
      await fleet.redis.restart();
      for (const instance of [a, b]) {
        await eventually(async () => {
          const answer = await get(instance, dpopHeaders(await client.proof("GET", url, token)));
          if (answer.status !== 200) throw new Error(`still ${answer.status}`);
        });
      }
      const proof = await client.proof("GET", url, token);
      expect((await get(a, dpopHeaders(proof))).status).toBe(200);
      expect((await get(b, dpopHeaders(proof))).status).toBe(401);
    }, 60_000);
  });
});
