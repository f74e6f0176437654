/**
 * Validates the `dpop` option (RFC 9449) once, at construction: which proof algorithms are accepted
 * (asymmetric only, §4.2: "MUST NOT be none or an identifier for a symmetric algorithm"), whether DPoP
 * is required, the `iat` window, the replay store (§11.1) and server-provided nonces (§8, §9).
 * Defaults are strict and documented next to each check.
 */
import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { createMemoryReplayStore } from "../dpop/memory-replay-store.js";
import type { DPoPNonceOptions, DPoPOptions, ReplayStore } from "../types.js";
import { ALGORITHMS, ASYMMETRIC_ALGORITHMS } from "./algorithms.js";

/** How old a proof may be by default, in seconds (RFC 9449 §11.1 leaves the window to the server). */
export const DEFAULT_IAT_WINDOW_SECONDS = 60;
/** Default length of a nonce time step; a nonce is accepted in its step and the next. */
export const DEFAULT_NONCE_LIFETIME_MS = 60_000;
/** Default time a replay store call may take before the request is answered 503. */
export const DEFAULT_STORE_TIMEOUT_MS = 1000;
/** An HMAC-SHA-256 key shorter than the hash output is refused (RFC 2104 §3). */
const MIN_NONCE_SECRET_BYTES = 32;

const DPOP_OPTION_NAMES = [
  "required",
  "algorithms",
  "nonce",
  "replayStore",
  "iatWindowSeconds",
  "storeTimeoutMs",
] as const;
const NONCE_OPTION_NAMES = ["secret", "secrets", "lifetimeMs"] as const;

/** Stateless nonces: HMAC secrets (the first makes nonces, all are accepted) and the step length. */
export interface ResolvedNonce {
  readonly secrets: readonly KeyObject[];
  readonly lifetimeMs: number;
}

export interface ResolvedDPoP {
  readonly required: boolean;
  /** The accepted proof algorithms, in configuration order (the challenge's `algs`, RFC 9728 metadata). */
  readonly algorithms: readonly string[];
  readonly algorithmSet: ReadonlySet<string>;
  readonly nonce: ResolvedNonce | undefined;
  readonly replayStore: ReplayStore;
  readonly iatWindowSeconds: number;
  readonly storeTimeoutMs: number;
}

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

function refuseUnknown(input: object, names: readonly string[], where: string): void {
  for (const name of Object.keys(input)) {
    if (!names.includes(name))
      fail(`unknown option "${name}" in ${where}; known options are: ${names.join(", ")}`);
  }
}

function numberIn(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max)
    fail(`"${name}" must be a number from ${min} to ${max}, got ${String(value)}`);
  return value;
}

function resolveAlgorithms(value: unknown): string[] {
  if (value === undefined) return [...ASYMMETRIC_ALGORITHMS];
  if (!Array.isArray(value) || value.length === 0)
    fail(`"dpop.algorithms" must be a non-empty array such as ["ES256", "EdDSA"]`);
  for (const alg of value) {
    const spec = typeof alg === "string" ? ALGORITHMS[alg] : undefined;
    if (spec === undefined)
      fail(
        `"dpop.algorithms" has unknown algorithm ${JSON.stringify(alg)}; supported: ${ASYMMETRIC_ALGORITHMS.join(", ")}`,
      );
    if (spec.kty === "oct")
      fail(
        `"dpop.algorithms" lists ${alg}: DPoP proofs are signed with asymmetric keys only (RFC 9449 §4.2)`,
      );
  }
  return [...new Set(value as string[])];
}

function toNonceSecret(value: unknown, name: string): KeyObject {
  let bytes: Buffer | undefined;
  if (typeof value === "string") bytes = Buffer.from(value, "utf8");
  else if (value instanceof Uint8Array) bytes = Buffer.from(value);
  if (bytes === undefined || bytes.length < MIN_NONCE_SECRET_BYTES)
    fail(`"${name}" must be a string or Uint8Array of at least ${MIN_NONCE_SECRET_BYTES} bytes`);
  return createSecretKey(bytes);
}

function resolveNonce(value: unknown): ResolvedNonce | undefined {
  if (value === undefined || value === false) return undefined;
  const input: DPoPNonceOptions = value === true ? {} : (value as DPoPNonceOptions);
  if (input === null || typeof input !== "object" || Array.isArray(input))
    fail(`"dpop.nonce" must be false, true or { secret, lifetimeMs }`);
  refuseUnknown(input, NONCE_OPTION_NAMES, "dpop.nonce");
  if (input.secret !== undefined && input.secrets !== undefined)
    fail(`"dpop.nonce" takes "secret" or "secrets" (for rotation), not both`);
  let secrets: KeyObject[];
  if (input.secrets !== undefined) {
    if (!Array.isArray(input.secrets) || input.secrets.length === 0)
      fail(`"dpop.nonce.secrets" must be a non-empty array; nonces are made with the first`);
    secrets = input.secrets.map((secret, i) => toNonceSecret(secret, `dpop.nonce.secrets[${i}]`));
  } else if (input.secret !== undefined) secrets = [toNonceSecret(input.secret, "dpop.nonce.secret")];
  // Without a secret, this verifier's nonces are its own: right for one instance, not for a fleet.
  else secrets = [createSecretKey(randomBytes(MIN_NONCE_SECRET_BYTES))];
  return Object.freeze({
    secrets: Object.freeze(secrets),
    lifetimeMs: numberIn(
      input.lifetimeMs,
      "dpop.nonce.lifetimeMs",
      DEFAULT_NONCE_LIFETIME_MS,
      1000,
      3_600_000,
    ),
  });
}

function resolveStore(value: unknown, now: () => number): ReplayStore {
  if (value === undefined) return createMemoryReplayStore({ now });
  if (value === null || typeof (value as ReplayStore).add !== "function")
    fail(
      `"dpop.replayStore" must be an object with add(key, expiresAtMs) returning a boolean or a promise of one`,
    );
  return value as ReplayStore;
}

/**
 * Resolves `dpop`; undefined when DPoP is off. `now` is the verifier's clock, which the default replay
 * store shares so that tests with a frozen clock see entries expire when the verifier does.
 */
export function resolveDPoP(
  value: DPoPOptions | undefined,
  now: () => number,
  rejectDPoPBoundTokens: boolean,
): ResolvedDPoP | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    fail(`"dpop" must be an object such as { required: false, algorithms: ["ES256"] }`);
  refuseUnknown(value, DPOP_OPTION_NAMES, "dpop");
  if (!rejectDPoPBoundTokens)
    fail(
      `"rejectDPoPBoundTokens: false" cannot be combined with "dpop": a resource server that accepts DPoP must refuse DPoP-bound tokens sent as Bearer (RFC 9449 §7.2)`,
    );
  if (value.required !== undefined && typeof value.required !== "boolean")
    fail(`"dpop.required" must be true or false`);
  const algorithms = resolveAlgorithms(value.algorithms);
  return Object.freeze({
    required: value.required ?? false,
    algorithms: Object.freeze(algorithms),
    algorithmSet: new Set(algorithms),
    nonce: resolveNonce(value.nonce),
    replayStore: resolveStore(value.replayStore, now),
    iatWindowSeconds: numberIn(
      value.iatWindowSeconds,
      "dpop.iatWindowSeconds",
      DEFAULT_IAT_WINDOW_SECONDS,
      1,
      3600,
    ),
    storeTimeoutMs: numberIn(
      value.storeTimeoutMs,
      "dpop.storeTimeoutMs",
      DEFAULT_STORE_TIMEOUT_MS,
      1,
      60_000,
    ),
  });
}
