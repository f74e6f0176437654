/**
 * Validates the `introspection` option (RFC 7662 token introspection) once, when the verifier is
 * built. Every mistake throws a TypeError that names the setting and the fix: a misspelt setting, an
 * issuer that is not configured, credentials missing, an endpoint over plain HTTP. The defaults keep
 * the identity provider safe and revocation prompt: answers are reused for at most 30 s, inactive ones
 * for 5 s, and the in-process cache is bounded.
 */
import { whyUrlIsRefused } from "../keys/url-policy.js";
import type { IntrospectionCache, IntrospectionErrorEvent, IntrospectionOptions } from "../types.js";
import type { ResolvedIssuer } from "./resolved-options.js";

export type IntrospectionAuthMethod = "client_secret_basic" | "client_secret_post";

/** The validated `introspection` option. */
export interface ResolvedIntrospection {
  /** The configured issuer that introspects; its settings judge the answers. */
  readonly issuer: string;
  /** The endpoint when configured; otherwise discovered from the issuer's metadata. */
  readonly endpoint: string | undefined;
  /** Where the issuer's metadata lives when not under the issuer (the issuer's `metadataUrl`). */
  readonly metadataUrl: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: IntrospectionAuthMethod;
  readonly jwts: boolean;
  readonly maxCacheMs: number;
  readonly inactiveCacheMs: number;
  readonly memoryCache: { readonly maxEntries: number; readonly maxBytes: number };
  readonly cache: IntrospectionCache | undefined;
  readonly cacheTimeoutMs: number;
  readonly onError: ((event: IntrospectionErrorEvent) => void) | undefined;
}

const NAMES = [
  "issuer",
  "endpoint",
  "clientId",
  "clientSecret",
  "authMethod",
  "jwts",
  "maxCacheMs",
  "inactiveCacheMs",
  "memoryCache",
  "cache",
  "cacheTimeoutMs",
  "onError",
] as const satisfies readonly (keyof IntrospectionOptions)[];

const AUTH_METHODS: readonly IntrospectionAuthMethod[] = ["client_secret_basic", "client_secret_post"];

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

function refuseUnknown(input: object, known: readonly string[], where: string): void {
  for (const name of Object.keys(input)) {
    if (!known.includes(name))
      fail(`unknown option "${name}" in ${where}; known options are: ${known.join(", ")}`);
  }
}

function milliseconds(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max)
    fail(`"${name}" must be a number of milliseconds from ${min} to ${max}, got ${String(value)}`);
  return value;
}

function nonEmpty(value: unknown, name: string, what: string): string {
  if (typeof value !== "string" || value.length === 0) fail(`"${name}" is required: ${what}`);
  return value;
}

/**
 * Validates `input` against the resolved issuers. Returns undefined when introspection is off.
 * @example resolveIntrospection({ clientId: "orders-api", clientSecret: "…" }, issuers, false);
 */
export function resolveIntrospection(
  input: IntrospectionOptions | undefined,
  issuers: ReadonlyMap<string, ResolvedIssuer>,
  allowInsecureHttp: boolean,
): ResolvedIntrospection | undefined {
  if (input === undefined) return undefined;
  if (input === null || typeof input !== "object" || Array.isArray(input))
    fail(`"introspection" must be an object: { clientId, clientSecret, endpoint?, authMethod? }`);
  refuseUnknown(input, NAMES, "introspection");

  let issuer = input.issuer;
  if (issuer === undefined) {
    if (issuers.size !== 1)
      fail(
        `"introspection.issuer" is required with several issuers: name the one whose tokens are introspected (one of ${[...issuers.keys()].join(", ")})`,
      );
    issuer = [...issuers.keys()][0] as string;
  }
  const resolvedIssuer = issuers.get(issuer);
  if (resolvedIssuer === undefined)
    fail(`"introspection.issuer" (${String(issuer)}) must be one of the configured issuers`);

  let endpoint: string | undefined;
  const { keys } = resolvedIssuer;
  if (input.endpoint !== undefined) {
    endpoint = nonEmpty(input.endpoint, "introspection.endpoint", "a URL, or leave it out to discover it");
    const why = whyUrlIsRefused(endpoint, allowInsecureHttp);
    if (why) fail(`"introspection.endpoint" (${endpoint}) ${why}`);
  } else if (keys.kind === "secret") {
    fail(`"introspection.endpoint" is required: issuer "${issuer}" has a shared secret and no metadata`);
  } else if (keys.kind === "static") {
    fail(`"introspection.endpoint" is required: issuer "${issuer}" has its keys in "jwks" and no metadata`);
  } else if (keys.metadataUrl === undefined) {
    // The endpoint is discovered from the issuer's own metadata, so the issuer must be fetchable.
    const why = whyUrlIsRefused(issuer, allowInsecureHttp);
    if (why) fail(`issuer "${issuer}" ${why}; "introspection.endpoint" is discovered from it unless given`);
  }

  const clientId = nonEmpty(input.clientId, "introspection.clientId", "this API's client id at the provider");
  const clientSecret = nonEmpty(
    input.clientSecret,
    "introspection.clientSecret",
    "this API's client secret at the provider",
  );
  const authMethod = input.authMethod ?? "client_secret_basic";
  if (!AUTH_METHODS.includes(authMethod))
    fail(`"introspection.authMethod" must be one of ${AUTH_METHODS.join(", ")}, got ${String(authMethod)}`);
  if (input.jwts !== undefined && typeof input.jwts !== "boolean")
    fail(`"introspection.jwts" must be true or false`);

  const memory = input.memoryCache ?? {};
  if (memory === null || typeof memory !== "object")
    fail(`"introspection.memoryCache" must be { maxEntries, maxBytes }`);
  refuseUnknown(memory, ["maxEntries", "maxBytes"], "introspection.memoryCache");
  const count = (value: unknown, name: string, fallback: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
      fail(`"${name}" must be a whole number of at least 1, got ${String(value)}`);
    return value;
  };

  const cache = input.cache;
  if (
    cache !== undefined &&
    (cache === null ||
      typeof cache !== "object" ||
      typeof cache.get !== "function" ||
      typeof cache.set !== "function")
  )
    fail(`"introspection.cache" must be an object with get(key) and set(key, value, ttlMs)`);
  if (input.onError !== undefined && typeof input.onError !== "function")
    fail(`"introspection.onError" must be a function`);

  return Object.freeze({
    issuer,
    endpoint,
    metadataUrl: keys.kind === "jwks" ? keys.metadataUrl : undefined,
    clientId,
    clientSecret,
    authMethod,
    jwts: input.jwts ?? false,
    maxCacheMs: milliseconds(input.maxCacheMs, "introspection.maxCacheMs", 30_000, 0, 3_600_000),
    inactiveCacheMs: milliseconds(input.inactiveCacheMs, "introspection.inactiveCacheMs", 5_000, 0, 300_000),
    memoryCache: Object.freeze({
      maxEntries: count(memory.maxEntries, "introspection.memoryCache.maxEntries", 10_000),
      maxBytes: count(memory.maxBytes, "introspection.memoryCache.maxBytes", 16 * 1024 * 1024),
    }),
    cache,
    cacheTimeoutMs: milliseconds(input.cacheTimeoutMs, "introspection.cacheTimeoutMs", 1000, 1, 60_000),
    onError: input.onError,
  });
}
