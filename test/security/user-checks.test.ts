/**
 * User code inside verification (issue 10): `requiredClaims` functions, `requireClaims` guards,
 * `scopeClaims` functions and the `onError` hook, against tokens from the test IdP on 127.0.0.1.
 * - `requiredClaims` functions run only once the signature has verified: forged tokens never reach
 *   them (static rules still run before the signature, and only reject);
 * - an async function is awaited: `true` accepts, anything else is 401, a rejection or a promise that
 *   does not settle within `timeoutMs` is 503; a function that throws is 401; they run once per token
 *   (a cached hit does not rerun them);
 * - a `requireClaims` guard must be synchronous: an `async` function is refused where the guard is
 *   built, a returned promise is answered 500, and its rejection never goes unhandled;
 * - an unexpected exception (here: a `scopeClaims` function that throws) is 500 InternalVerifierError,
 *   reported through `onError`, never `invalid_token`.
 * Nothing here may crash the process: vitest fails a run with an unhandled rejection, and each test
 * also counts them itself.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import {
  type AuthResult,
  type ClaimCheck,
  createGuard,
  type InternalErrorEvent,
  type VerifierOptions,
} from "@resource-guard/core";
import { requireClaims } from "@resource-guard/express";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeKey } from "../support/idp.js";
import { encodeJson, goodClaims, goodHeader, signObjects } from "./forge.js";
import { expectInvalidToken, type Fixture, rejectionOf, startFixture, withBearer } from "./harness.js";

let fixture: Fixture | undefined;
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});

afterEach(async () => {
  // Give a stray rejection the turns it needs to surface before checking.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
  await fixture?.idp.close();
  fixture = undefined;
});

async function start(verifier: Partial<VerifierOptions>) {
  fixture = await startFixture({
    idp: { algs: ["ES256"] },
    verifier: () => ({ tokenCache: false, ...verifier }),
  });
  return fixture;
}

function tokenAt(fx: Fixture, extra: Record<string, unknown> = {}) {
  return fx.idp.sign(goodClaims(fx.idp, extra, fx.clock.now()));
}

describe("requiredClaims functions", () => {
  it("never run on a forged token: bad signature, unknown key, alg none, forged claims under a real kid", async () => {
    const seen: unknown[] = [];
    const fx = await start({
      requiredClaims: {
        tenant: (value) => {
          seen.push(value);
          return value === "acme";
        },
      },
    });
    const real = fx.idp.keys[0]!;
    const stranger = await makeKey("ES256");
    const claims = goodClaims(fx.idp, { tenant: "acme" }, fx.clock.now());
    await expectInvalidToken(fx.verifier.verify(signObjects(goodHeader(real), claims, stranger)), [
      "signature",
    ]);
    await expectInvalidToken(fx.verifier.verify(signObjects(goodHeader(stranger), claims, stranger)), [
      "unknown_key",
    ]);
    const none = `${encodeJson({ alg: "none", kid: real.kid })}.${encodeJson(claims)}.`;
    await expectInvalidToken(fx.verifier.verify(none), ["algorithm", "malformed"]);
    expect(seen).toEqual([]);
    await expect(fx.verifier.verify(await tokenAt(fx, { tenant: "acme" }))).resolves.toBeDefined();
    expect(seen).toEqual(["acme"]);
  });

  it("leave static rules before the signature: a forged token with a wrong static claim costs no crypto", async () => {
    const fx = await start({ requiredClaims: { token_use: "access" } });
    const stranger = await makeKey("ES256");
    const forged = signObjects(
      goodHeader(fx.idp.keys[0]!),
      goodClaims(fx.idp, { token_use: "id" }, fx.clock.now()),
      stranger,
    );
    await expectInvalidToken(fx.verifier.verify(forged), ["claim_rule"]);
    expect(fx.idp.jwksHits).toBe(0);
  });

  it("are awaited when async: true accepts, false refuses with 401", async () => {
    const fx = await start({
      requiredClaims: { tenant: async (value) => value === "acme" },
    });
    await expect(fx.verifier.verify(await tokenAt(fx, { tenant: "acme" }))).resolves.toMatchObject({
      claims: { tenant: "acme" },
    });
    await expectInvalidToken(fx.verifier.verify(await tokenAt(fx, { tenant: "other" })), ["claim_rule"]);
    // A promise of something other than `true` is a refusal too.
    const loose = await start({ requiredClaims: { tenant: async () => "yes" as unknown as boolean } });
    await expectInvalidToken(loose.verifier.verify(await tokenAt(loose)), ["claim_rule"]);
  });

  it.each([
    ["rejects", { tenant: async () => Promise.reject(new Error("database down")) }, "claim_check_failed"],
    [
      "is a thenable whose then throws",
      {
        tenant: () =>
          ({
            // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point of this case
            then: () => {
              throw new Error("broken");
            },
          }) as unknown as boolean,
      },
      "claim_check_failed",
    ],
    ["never settles", { tenant: () => new Promise<boolean>(() => undefined) }, "claim_check_timeout"],
  ] as const)(
    "answer 503 with Retry-After (never 401, never 500) when the promise %s",
    async (_label, rules, reason) => {
      const fx = await start({ timeoutMs: 300, requiredClaims: rules as never });
      const r = await rejectionOf(withBearer(fx.verifier, await tokenAt(fx)));
      expect(r).toEqual({
        status: 503,
        code: undefined,
        reason,
        message: "A claim check could not be completed; try again later",
        expose: false,
        headers: { "Retry-After": "1" },
      });
    },
  );

  it("refuse with 401 when a synchronous function throws", async () => {
    const fx = await start({
      requiredClaims: {
        tenant: (value) => (value as string).toLowerCase() === "acme",
      },
    });
    await expectInvalidToken(fx.verifier.verify(await tokenAt(fx)), ["claim_rule"]);
  });

  it("run once per token: a cached hit does not run them again", async () => {
    let calls = 0;
    const fx = await start({
      tokenCache: { maxEntries: 10 },
      requiredClaims: {
        tenant: async () => {
          calls++;
          return true;
        },
      },
    });
    const token = await tokenAt(fx);
    await fx.verifier.verify(token); // first sight: verified, not cached yet
    await fx.verifier.verify(token); // second sight: verified and admitted
    expect(calls).toBe(2);
    for (let i = 0; i < 5; i++) await fx.verifier.verify(token);
    expect(calls).toBe(2);
    expect(fx.verifier.stats().cacheHits).toBe(5);
  });
});

describe("requireClaims guards", () => {
  const auth = { claims: { tenant: "acme" }, scheme: "Bearer" } as unknown as AuthResult;

  it("refuse an async function where the guard is built, with a TypeError that names the fix", () => {
    // The type already refuses it (ClaimCheck returns boolean); plain JavaScript gets the TypeError.
    const check = (async () => true) as unknown as ClaimCheck;
    expect(() => createGuard("requireClaims", [check])).toThrow(
      new TypeError(
        "resource-guard: requireClaims() needs a synchronous predicate; for a check that needs I/O use a requiredClaims function (it may be async) or check in your handler",
      ),
    );
  });

  it("answer 500 for a function that returns a promise, and leave no rejection unhandled", async () => {
    const guard = createGuard("requireClaims", [
      () => Promise.reject(new Error("db down")) as unknown as boolean,
    ]);
    let thrown: { status?: number; reason?: string; message?: string; expose?: boolean } | undefined;
    try {
      guard.check(auth, "req.auth");
    } catch (error) {
      thrown = error as typeof thrown;
    }
    expect(thrown).toMatchObject({
      status: 500,
      reason: "claim_check_async",
      message: "Internal error while verifying the request",
      expose: false,
    });
  });

  it("answer 500 over HTTP through Express, and the server keeps serving", async () => {
    const express = createRequire(new URL("../../packages/express/package.json", import.meta.url))(
      "express",
    ) as () => {
      set(name: string, value: unknown): void;
      use(...handlers: unknown[]): void;
      get(path: string, ...handlers: unknown[]): void;
      listen(port: number, host: string): Server;
    };
    const app = express();
    app.set("env", "test");
    app.use((req: { auth?: AuthResult }, _res: unknown, next: () => void) => {
      req.auth = auth;
      next();
    });
    const checks = [() => Promise.reject(new Error("db down")), () => true] as unknown as ((
      c: unknown,
    ) => boolean)[];
    app.get("/async", requireClaims(checks[0]!), (_req: unknown, res: { end(t: string): void }) =>
      res.end("no"),
    );
    app.get("/sync", requireClaims(checks[1]!), (_req: unknown, res: { end(t: string): void }) =>
      res.end("ok"),
    );
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const failed = await fetch(`${base}/async`);
      expect(failed.status).toBe(500);
      expect(failed.headers.get("www-authenticate")).toBeNull();
      await failed.text();
      const served = await fetch(`${base}/sync`);
      expect([served.status, await served.text()]).toEqual([200, "ok"]);
    } finally {
      server.close();
    }
  });
});

describe("an unexpected exception inside verification", () => {
  it("is 500 InternalVerifierError with a fixed text, reported through onError, never invalid_token", async () => {
    const reported: InternalErrorEvent[] = [];
    const bug = new TypeError("Cannot read properties of undefined (reading 'roles')");
    const fx = await start({
      scopeClaims: () => {
        throw bug;
      },
      onError: (event) => reported.push(event),
    });
    const r = await rejectionOf(withBearer(fx.verifier, await tokenAt(fx)));
    expect(r).toEqual({
      status: 500,
      code: undefined,
      reason: "internal_error",
      message: "Internal error while verifying the request",
      expose: false,
      headers: {},
    });
    expect(reported).toEqual([{ reason: "internal_error", error: bug }]);
  });

  it("is still 500 when the onError hook itself throws", async () => {
    const fx = await start({
      scopeClaims: () => {
        throw new Error("bug");
      },
      onError: () => {
        throw new Error("the logger is broken too");
      },
    });
    expect(await rejectionOf(fx.verifier.verify(await tokenAt(fx)))).toMatchObject({
      status: 500,
      reason: "internal_error",
    });
  });
});
