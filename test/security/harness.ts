/**
 * Shared set-up and assertions of the security suite. Every test verifies over real sockets against
 * the test IdP on 127.0.0.1; this file only removes repetition: starting the IdP, building a verifier
 * with a controllable clock, and asserting the exact error a rejection must carry (status, code,
 * fixed description, the exact `WWW-Authenticate` bytes) so no test passes on "it threw something".
 */
import {
  createVerifier,
  INVALID_REQUEST_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  type InvalidRequestReason,
  type InvalidTokenReason,
  type Verifier,
  type VerifierOptions,
} from "@resource-guard/core";
import { expect } from "vitest";
import { startTestIdp, type TestIdp, type TestIdpOptions } from "../support/idp.js";
import { AUDIENCE } from "./forge.js";

/**
 * The verifier's two clocks: `now` (the wall clock, for token claims) and `monotonic` (the key layer's
 * intervals, given as `monotonicNow`), each real time plus an offset that tests move instead of
 * sleeping. `advance` moves both, as time passing does; `stepWall` and `stepMonotonic` move one alone,
 * as a clock step (NTP, an operator) or a misbehaving clock source does. Following real time keeps
 * tokens signed "now" valid however long a file runs.
 */
export interface TestClock {
  now: () => number;
  monotonic: () => number;
  /** Moves both clocks `ms` forward. */
  advance(ms: number): void;
  /** Steps the wall clock alone by `ms` (negative: back). */
  stepWall(ms: number): void;
  /** Steps the monotonic source alone by `ms` (negative: back, which a real monotonic clock never does). */
  stepMonotonic(ms: number): void;
  /** The wall clock in seconds, for `iat`/`exp`. */
  seconds(): number;
}

export function createClock(): TestClock {
  let wall = 0;
  let steady = 0;
  const now = () => Date.now() + wall;
  return {
    now,
    monotonic: () => performance.now() + steady,
    advance(ms) {
      wall += ms;
      steady += ms;
    },
    stepWall(ms) {
      wall += ms;
    },
    stepMonotonic(ms) {
      steady += ms;
    },
    seconds: () => Math.floor(now() / 1000),
  };
}

export interface Fixture {
  idp: TestIdp;
  verifier: Verifier;
  clock: TestClock;
}

/** Starts an IdP and a verifier for it (discovery, unless `verifier.jwksUri` is given). */
export async function startFixture(
  options: { idp?: TestIdpOptions; verifier?: (idp: TestIdp) => Partial<VerifierOptions> } = {},
): Promise<Fixture> {
  const idp = await startTestIdp(options.idp);
  const clock = createClock();
  const verifier = createVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    now: clock.now,
    monotonicNow: clock.monotonic,
    ...options.verifier?.(idp),
  });
  return { idp, verifier, clock };
}

/** What a rejection looked like: only the fields a response is built from, plus the log reason. */
export interface Rejection {
  status: number;
  code: string | undefined;
  reason: string;
  message: string;
  expose: boolean;
  headers: Record<string, string>;
}

/** Awaits `promise` and returns its rejection; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Rejection> {
  let settled: unknown;
  try {
    settled = await promise;
  } catch (err) {
    const e = err as Partial<Rejection> & Error;
    // A plain Error (TypeError from a bug, a jose error that escaped) is a defect: report it as is.
    if (typeof e?.status !== "number") throw err;
    return {
      status: e.status,
      code: e.code,
      reason: String(e.reason),
      message: e.message,
      expose: Boolean(e.expose),
      headers: { ...(e.headers ?? {}) },
    };
  }
  expect.fail(`expected a rejection, got ${JSON.stringify(settled)?.slice(0, 200)}`);
}

/** Asserts a 401 `invalid_token` whose reason is one of `reasons`, with the exact challenge. */
export async function expectInvalidToken(
  promise: Promise<unknown>,
  reasons: readonly InvalidTokenReason[],
  realm = "api",
): Promise<Rejection> {
  const r = await rejectionOf(promise);
  expect({ status: r.status, code: r.code }).toEqual({ status: 401, code: "invalid_token" });
  expect(reasons).toContain(r.reason);
  const description = INVALID_TOKEN_DESCRIPTIONS[r.reason as InvalidTokenReason];
  expect(r.message).toBe(description);
  expect(r.expose).toBe(true);
  expect(r.headers).toEqual({
    "WWW-Authenticate": `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`,
  });
  return r;
}

/** Asserts a 400 `invalid_request` whose reason is one of `reasons`, with the exact challenge. */
export async function expectInvalidRequest(
  promise: Promise<unknown>,
  reasons: readonly InvalidRequestReason[],
  realm = "api",
): Promise<Rejection> {
  const r = await rejectionOf(promise);
  expect({ status: r.status, code: r.code }).toEqual({ status: 400, code: "invalid_request" });
  expect(reasons).toContain(r.reason);
  const description = INVALID_REQUEST_DESCRIPTIONS[r.reason as InvalidRequestReason];
  expect(r.message).toBe(description);
  expect(r.headers).toEqual({
    "WWW-Authenticate": `Bearer realm="${realm}", error="invalid_request", error_description="${description}"`,
  });
  return r;
}

/**
 * Asserts either a 400 `invalid_request` or a 401 `invalid_token` with one of the given reasons: for
 * inputs where the issue allows both answers ("or 400 where the request itself is malformed").
 */
export async function expectRefused(
  promise: Promise<unknown>,
  tokenReasons: readonly InvalidTokenReason[],
  requestReasons: readonly InvalidRequestReason[],
): Promise<Rejection> {
  const r = await rejectionOf(promise);
  if (r.status === 400) {
    await expectInvalidRequest(Promise.reject(r), requestReasons);
  } else {
    await expectInvalidToken(Promise.reject(r), tokenReasons);
  }
  return r;
}

/**
 * Asserts a 503 KeysUnavailableError: no RFC 6750 code, no challenge (a client must not be told its
 * token is bad), a `Retry-After` of whole seconds no longer than `maxBackoffMs`.
 */
export async function expectKeysUnavailable(
  promise: Promise<unknown>,
  maxBackoffMs = 30_000,
): Promise<number> {
  const r = await rejectionOf(promise);
  expect({ status: r.status, code: r.code, expose: r.expose }).toEqual({
    status: 503,
    code: undefined,
    expose: false,
  });
  expect(r.message).toBe("The signing keys are unavailable; try again later");
  expect(Object.keys(r.headers)).toEqual(["Retry-After"]);
  const retryAfter = r.headers["Retry-After"] ?? "";
  expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(Math.max(1, Math.ceil(maxBackoffMs / 1000)));
  return Number(retryAfter);
}

/** `authenticate` with one Authorization header. */
export function withHeader(verifier: Verifier, authorization: string) {
  return verifier.authenticate({ headers: { authorization }, method: "GET" });
}

/** `authenticate` with `Bearer <token>`. */
export function withBearer(verifier: Verifier, token: string) {
  return withHeader(verifier, `Bearer ${token}`);
}

/** Checks that nothing in this process's Object.prototype was added by a parsed token. */
export function expectNoPrototypePollution(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PRISTINE_OBJECT_PROTOTYPE);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

const PRISTINE_OBJECT_PROTOTYPE = Object.getOwnPropertyNames(Object.prototype).sort();
