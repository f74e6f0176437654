/**
 * The fleet the fleet tests run against: a real redis-server, the test identity provider, an RFC 7662
 * introspection endpoint that counts its calls, and two instances of one API as separate Node
 * processes sharing that Redis through redisStore (instance A on node-redis, B on ioredis).
 *
 * The introspection tests need core's `introspection: { cache }` option; `whyCoreRefuses` tells at run
 * time whether this core accepts it, and the instances are configured with what it accepts.
 */
import { createVerifier, type VerifierOptions } from "@resource-guard/core";
import { startTestIdp, type TestIdp } from "../../../../test/support/idp.js";
import { type RedisServer, startRedisServer } from "../../../../test/support/redis-server.js";
import { CLIENT_KINDS, type ConnectedClient, connectClient } from "../clients.js";
import { type IntrospectionServer, startIntrospectionServer } from "./introspection-server.js";
import { type Instance, startInstance } from "./start-instance.js";

export const AUDIENCE = "https://api.fleet.test";
/** The origin clients use, as behind a load balancer: the DPoP `htu` is the same at every instance. */
export const PUBLIC_ORIGIN = "https://api.fleet.test";
export const PREFIX = "fleet-api:";
/** core's default clockTolerance, which the instances keep. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Why core refuses `extra` as verifier options (its first sentence), or undefined when it accepts them. */
export function whyCoreRefuses(extra: Record<string, unknown>): string | undefined {
  try {
    createVerifier({ issuer: "http://127.0.0.1:9", audience: AUDIENCE, ...extra } as VerifierOptions);
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split(";")[0];
  }
}

export const INTROSPECTION_GAP = whyCoreRefuses({
  introspection: {
    endpoint: "http://127.0.0.1:9/introspect",
    clientId: "a",
    clientSecret: "b",
    cache: { get: () => undefined, set: () => undefined },
  },
});

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** GET /orders at one instance, directly. */
export async function get(instance: Instance, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${instance.url}/orders`, { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export interface Fleet {
  readonly redis: RedisServer;
  readonly idp: TestIdp;
  readonly introspection: IntrospectionServer;
  readonly a: Instance;
  readonly b: Instance;
  /** Every key under the fleet's prefix, with its value and remaining TTL. */
  keyspace(): Promise<{ key: string; value: string; pttl: number }[]>;
  close(): Promise<void>;
}

export async function startFleet(): Promise<Fleet> {
  const redis = await startRedisServer();
  const idp = await startTestIdp({ algs: ["ES256"] });
  const introspection = await startIntrospectionServer();
  const inspector: ConnectedClient = await connectClient(
    CLIENT_KINDS.find((kind) => kind.name === "node-redis 6")!,
    redis.url,
  );
  // This client is no store's, so nothing else keeps its dropped connection from ending the run.
  inspector.client.on?.("error", () => undefined);
  const env = {
    REDIS_URL: redis.url,
    PREFIX,
    ISSUER: idp.issuer,
    JWKS_URI: idp.jwksUri,
    AUDIENCE,
    PUBLIC_ORIGIN,
    FEATURES: ["dpop", INTROSPECTION_GAP ? "" : "introspection"].join(","),
    INTROSPECTION_ENDPOINT: introspection.endpoint,
    INTROSPECTION_CLIENT_ID: introspection.clientId,
    INTROSPECTION_CLIENT_SECRET: introspection.clientSecret,
  };
  const [a, b] = await Promise.all([
    startInstance({ ...env, CLIENT: "node-redis" }),
    startInstance({ ...env, CLIENT: "ioredis" }),
  ]);

  return {
    redis,
    idp,
    introspection,
    a,
    b,
    async keyspace() {
      const keys = (await inspector.command(["KEYS", `${PREFIX}*`])) as string[];
      return Promise.all(
        keys.map(async (key) => ({
          key,
          value: String(await inspector.command(["GET", key])),
          pttl: Number(await inspector.command(["PTTL", key])),
        })),
      );
    },
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await inspector.close();
      await introspection.close();
      await idp.close();
      await redis.stop();
    },
  };
}
