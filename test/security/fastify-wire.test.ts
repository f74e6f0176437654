/**
 * The wire answer through `@resource-guard/fastify` on a real Fastify 5 server. Fastify's default
 * error handler puts `err.message` and `err.code` in a JSON body, even for 5xx. So this file checks
 * that what reaches a client is only the fixed text: never the token, a claim, a header value the
 * attacker chose, or the provider's URL and status from a failed key fetch.
 */
import { createRequire } from "node:module";
import { INVALID_TOKEN_DESCRIPTIONS } from "@resource-guard/core";
import resourceGuard from "@resource-guard/fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { AUDIENCE, encodeJson, goodClaims, goodHeader, signObjects } from "./forge.js";

// Fastify is a dependency of the adapter package, not of the repository root: load that copy.
interface FastifyApp {
  register(plugin: unknown, options: unknown): Promise<unknown>;
  get(path: string, handler: () => Promise<unknown>): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}
const fastify = createRequire(new URL("../../packages/fastify/package.json", import.meta.url))("fastify") as (
  options?: unknown,
) => FastifyApp;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

async function startApp(
  options: Record<string, unknown>,
): Promise<{ get(auth?: string): Promise<Answer>; close(): Promise<void> }> {
  const app = fastify({ logger: false });
  await app.register(resourceGuard, options);
  app.get("/orders", async () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    async get(authorization) {
      const response = await fetch(`${url}/orders`, { headers: authorization ? { authorization } : {} });
      return {
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.json(),
      };
    },
    close: () => app.close(),
  };
}

let idp: TestIdp;
let attacker: TestIdp;
let app: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  idp = await startTestIdp({ algs: ["ES256"] });
  attacker = await startTestIdp({ algs: ["ES256"] });
  app = await startApp({ issuer: idp.issuer, audience: AUDIENCE, timeoutMs: 300 });
});

afterAll(async () => {
  await app.close();
  await Promise.all([idp.close(), attacker.close()]);
});

const invalidTokenBody = (reason: keyof typeof INVALID_TOKEN_DESCRIPTIONS) => ({
  statusCode: 401,
  code: "invalid_token",
  error: "Unauthorized",
  message: INVALID_TOKEN_DESCRIPTIONS[reason],
});

describe("attacks over HTTP through the Fastify adapter", () => {
  it("answers alg none with the fixed JSON body", async () => {
    const token = `${encodeJson({ alg: "none" })}.${encodeJson(goodClaims(idp, { sub: "secret-subject" }))}.`;
    const answer = await get(`Bearer ${token}`);
    expect(answer.status).toBe(401);
    expect([invalidTokenBody("algorithm"), invalidTokenBody("malformed")]).toContainEqual(answer.body);
    expect(JSON.stringify(answer)).not.toContain("secret-subject");
  });

  it("answers a jku to the attacker with 401, and the attacker sees no request", async () => {
    const evil = attacker.keys[0]!;
    const token = signObjects(goodHeader(evil, { jku: attacker.jwksUri }), goodClaims(idp), evil);
    const answer = await get(`Bearer ${token}`);
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 401,
      body: invalidTokenBody("unknown_key"),
    });
    expect(answer.headers["www-authenticate"]).toBe(
      `Bearer realm="api", error="invalid_token", error_description="${INVALID_TOKEN_DESCRIPTIONS.unknown_key}"`,
    );
    expect(attacker.totalHits).toBe(0);
  });

  it("never reflects a kid that tries to inject a response header", async () => {
    const key = idp.keys[0]!;
    const token = signObjects(
      goodHeader(key, { kid: "k\r\nSet-Cookie: session=attacker" }),
      goodClaims(idp),
      key,
    );
    const answer = await get(`Bearer ${token}`);
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 401,
      body: invalidTokenBody("unknown_key"),
    });
    expect(answer.headers["set-cookie"]).toBeUndefined();
    expect(JSON.stringify(answer)).not.toContain("attacker");
  });
});

describe("provider faults over HTTP through the Fastify adapter", () => {
  it("answers 503 with a fixed message that names neither the provider's URL nor its status", async () => {
    const down = await startTestIdp({ algs: ["ES256"] });
    down.fault = "status-500";
    const cold = await startApp({ issuer: down.issuer, audience: AUDIENCE, timeoutMs: 300 });
    try {
      const answer = await cold.get(`Bearer ${await down.sign(goodClaims(down))}`);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        statusCode: 503,
        error: "Service Unavailable",
        message: "The signing keys are unavailable; try again later",
      });
      expect(answer.headers["retry-after"]).toBe("1");
      expect(answer.headers["www-authenticate"]).toBeUndefined();
      expect(JSON.stringify(answer)).not.toContain("127.0.0.1");
    } finally {
      await cold.close();
      await down.close();
    }
  });
});

function get(authorization?: string): Promise<Answer> {
  return app.get(authorization);
}
