/**
 * One instance of a fleet, run as its own Node process by the fleet tests: a minimal resource server
 * (node:http and @resource-guard/core, no framework) whose DPoP replay store and introspection cache
 * are one redisStore on the shared Redis. Its settings come from the environment:
 *
 *   REDIS_URL, CLIENT ("node-redis" | "ioredis"), PREFIX, ISSUER, JWKS_URI, AUDIENCE, PUBLIC_ORIGIN
 *   (the origin clients use, as behind a load balancer: the DPoP `htu`), INTROSPECTION_ENDPOINT,
 *   INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET, FEATURES (which of "dpop" and
 *   "introspection" core supports; both when unset)
 *
 * It prints `listening <port>` once ready. Every answer is JSON: 200 `{ sub, scheme, introspected }`,
 * or the error's status and headers with `{ error, error_description }` (no description for a 5xx).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createVerifier, type VerifierOptions } from "@resource-guard/core";
import { type RedisClientLike, redisStore } from "@resource-guard/redis";
import { Redis } from "ioredis";
import { createClient } from "redis";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`instance: ${name} is required`);
  return value;
};

async function connect(): Promise<RedisClientLike> {
  if (env("CLIENT") === "ioredis") {
    const client = new Redis(env("REDIS_URL"), { lazyConnect: true });
    await client.connect();
    return client;
  }
  const client = createClient({ url: env("REDIS_URL") });
  await client.connect();
  return client;
}

const store = redisStore(await connect(), { prefix: env("PREFIX") });
const features = new Set((process.env.FEATURES ?? "dpop,introspection").split(","));
const options = {
  issuer: env("ISSUER"),
  jwksUri: env("JWKS_URI"),
  audience: env("AUDIENCE"),
  ...(features.has("dpop") ? { dpop: { replayStore: store } } : {}),
  ...(features.has("introspection")
    ? {
        introspection: {
          endpoint: env("INTROSPECTION_ENDPOINT"),
          clientId: env("INTROSPECTION_CLIENT_ID"),
          clientSecret: env("INTROSPECTION_CLIENT_SECRET"),
          cache: store,
        },
      }
    : {}),
} as VerifierOptions;
const verifier = createVerifier(options);
const origin = env("PUBLIC_ORIGIN");

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { ...headers, "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const auth = await verifier.authenticate({
      headers: req.headers,
      method: req.method,
      url: req.url,
      absoluteUrl: origin + (req.url ?? "/"),
    });
    send(
      res,
      200,
      { ...auth.responseHeaders },
      {
        sub: auth.claims.sub,
        scheme: auth.scheme,
        introspected: auth.introspected === true,
      },
    );
  } catch (error) {
    const err = error as {
      status?: unknown;
      headers?: Record<string, string>;
      code?: string;
      message?: string;
    };
    const status = typeof err.status === "number" ? err.status : 500;
    send(res, status, err.headers ?? {}, {
      error: err.code ?? (status >= 500 ? "temporarily_unavailable" : "unauthorized"),
      error_description: status < 500 ? err.message : undefined,
    });
  }
}

const server = createServer((req, res) => {
  void handle(req, res);
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
console.log(`listening ${(server.address() as AddressInfo).port}`);
