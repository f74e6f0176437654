/**
 * `pnpm fleet`: two instances of the Express orders API behind one load balancer, sharing one Redis
 * for DPoP replay detection, and a client showing that they behave as one:
 *
 *   1. redis-server on a free loopback port (Debian's package; no persistence);
 *   2. oidc-provider issuing DPoP-bound access tokens;
 *   3. two API processes (src/api-instance.ts), each with redisStore(client, { prefix: "orders-api:" });
 *   4. a round-robin load balancer in front of them;
 *   5. a client that calls GET /orders with a fresh proof (instance A answers 200), replays the same
 *      proof (instance B refuses it: 401 invalid_dpop_proof, "used before"), then sends a new proof.
 *      Then Redis is paused: 503 with Retry-After; resumed: served again.
 *
 * Prints each exchange and exits 0 only when every one behaved. Every process it starts is stopped by
 * its PID before it exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { type RedisServer, startRedisServer } from "../../test/support/redis-server.js";
import {
  FLEET_AUDIENCE,
  FLEET_CLIENT,
  type FleetAuthorizationServer,
  startAuthorizationServer,
} from "./src/authorization-server.js";
import { createDPoPClient } from "./src/dpop-client.js";
import { type LoadBalancer, startLoadBalancer } from "./src/load-balancer.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const INSTANCE = fileURLToPath(new URL("./src/api-instance.ts", import.meta.url));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request on a connection of its own, so the load balancer picks the next instance. */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
    req.end(body);
  });
}

function startInstance(
  name: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", INSTANCE], {
    cwd: ROOT,
    env: { ...process.env, ...env, NAME: name, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The instance's own log (the example app logs every 5xx with its cause), marked as such.
  child.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line) console.log(`     [instance ${name} log] ${line}`);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = /listening on (\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`instance ${name} exited (${code}) before listening`)));
  });
}

function stopInstance(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return Promise.resolve();
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, "SIGKILL");
  return exited;
}

const failures: string[] = [];
function show(step: string, answer: Answer, expected: number): void {
  const instance = String(answer.headers["x-instance"] ?? "-");
  const detail = answer.headers["www-authenticate"] ?? answer.headers["retry-after"] ?? "";
  const ok = answer.status === expected;
  console.log(
    `${ok ? "ok  " : "FAIL"} ${step}\n     ← ${answer.status} from instance ${instance} ${detail ? `(${detail})` : ""}`,
  );
  if (!ok) failures.push(`${step}: expected ${expected}, got ${answer.status} ${answer.body}`);
}

let redis: RedisServer | undefined;
let as: FleetAuthorizationServer | undefined;
let balancer: LoadBalancer | undefined;
const children: ChildProcess[] = [];
try {
  redis = await startRedisServer();
  as = await startAuthorizationServer();
  console.log(`redis-server pid ${redis.pid} on ${redis.url}; authorization server ${as.issuer}`);
  const env = { REDIS_URL: redis.url, ISSUER: as.issuer, AUDIENCE: FLEET_AUDIENCE, JWKS_URI: as.jwksUri };
  const [a, b] = await Promise.all([startInstance("A", env), startInstance("B", env)]);
  children.push(a.child, b.child);
  balancer = await startLoadBalancer([a.port, b.port]);
  console.log(`instances A (port ${a.port}) and B (port ${b.port}) behind ${balancer.url}\n`);

  const client = await createDPoPClient();
  const basic = Buffer.from(
    `${encodeURIComponent(FLEET_CLIENT.clientId)}:${encodeURIComponent(FLEET_CLIENT.clientSecret)}`,
  ).toString("base64");
  const tokenAnswer = await send(
    as.tokenEndpoint,
    "POST",
    {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      dpop: await client.proof("POST", as.tokenEndpoint),
    },
    new URLSearchParams({ grant_type: "client_credentials", scope: "orders:read" }).toString(),
  );
  const { access_token: token, token_type: tokenType } = JSON.parse(tokenAnswer.body) as Record<
    string,
    string
  >;
  if (tokenAnswer.status !== 200 || tokenType !== "DPoP" || !token) {
    throw new Error(`token request failed: ${tokenAnswer.status} ${tokenAnswer.body}`);
  }
  console.log(`DPoP-bound access token from the authorization server (token_type ${tokenType})\n`);

  const url = `${balancer.url}/orders`;
  const call = async (proof: string) => send(url, "GET", { authorization: `DPoP ${token}`, dpop: proof });

  const first = await client.proof("GET", url, token);
  show("GET /orders with a fresh DPoP proof", await call(first), 200);
  show(
    "GET /orders replaying the same proof (the balancer sends it to the other instance)",
    await call(first),
    401,
  );
  show("GET /orders with a new proof", await call(await client.proof("GET", url, token)), 200);

  redis.pause();
  try {
    show(
      "GET /orders while Redis is paused (SIGSTOP)",
      await call(await client.proof("GET", url, token)),
      503,
    );
  } finally {
    redis.resume();
  }
  let recovered: Answer | undefined;
  for (let attempt = 0; attempt < 50 && recovered?.status !== 200; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    recovered = await call(await client.proof("GET", url, token));
  }
  show("GET /orders after Redis resumed (SIGCONT)", recovered as Answer, 200);
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  await Promise.all(children.map(stopInstance));
  await balancer?.close();
  await as?.close();
  await redis?.stop();
}

if (failures.length > 0) {
  console.error(`\nthe fleet did not behave as one:\n- ${failures.join("\n- ")}`);
  process.exit(1);
}
console.log("\nthe two instances behaved as one: a proof used at one was refused at the other");
