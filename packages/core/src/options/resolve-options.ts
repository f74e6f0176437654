/**
 * resolveOptions(): every check on what the user configured, run once in createVerifier. Mistakes
 * throw a TypeError naming the option and the fix; a typo such as `clockTolerence` is refused rather
 * than silently leaving a check at its default. The result is normalised (one entry per accepted
 * issuer, sets instead of arrays, defaults applied) and frozen.
 */
import { createSecretKey, KeyObject } from "node:crypto";
import { isRealmText } from "../errors/challenge.js";
import { whyUrlIsRefused } from "../keys/url-policy.js";
import { compileClaimRule } from "../pipeline/claims.js";
import { compileScopeReader } from "../pipeline/scopes.js";
import type { ClaimRule, IssuerOptions, IssuerSettings, VerifierOptions } from "../types.js";
import { ALGORITHMS, ASYMMETRIC_ALGORITHMS, HMAC_MIN_KEY_BYTES, SYMMETRIC_ALGORITHMS } from "./algorithms.js";
import { resolveDPoP } from "./dpop.js";
import { resolveIntrospection } from "./introspection.js";
import { resolveKeyLayer } from "./key-layer.js";
import { resolveMtls } from "./mtls.js";
import { resolveOutboundBudget } from "./outbound-budget.js";
import type { ClaimPredicate, ClaimTest, ResolvedIssuer, ResolvedOptions } from "./resolved-options.js";
import { resolveResource } from "./resource.js";
import { resolveStaticKeys } from "./static-keys.js";
import { closestName } from "./suggest-name.js";

/** The names of IssuerSettings: settings given once for all issuers or per issuer. */
export const ISSUER_SETTING_NAMES = [
  "audience",
  "jwksUri",
  "metadataUrl",
  "algorithms",
  "scopeClaims",
  "requiredClaims",
  "allowedClients",
  "typ",
  "maxTokenAge",
  "secret",
  "jwks",
] as const satisfies readonly (keyof IssuerSettings)[];

/** Every option name createVerifier accepts; adapters use it to split their own options off. */
export const VERIFIER_OPTION_NAMES: readonly string[] = Object.freeze([
  "issuer",
  "issuers",
  ...ISSUER_SETTING_NAMES,
  "clockTolerance",
  "realm",
  "timeoutMs",
  "cooldownMs",
  "maxBackoffMs",
  "maxStaleMs",
  "keyFreshness",
  "maxResponseBytes",
  "maxTokenLength",
  "allowFormBodyToken",
  "allowQueryToken",
  "allowInsecureHttp",
  "tokenCache",
  "rejectDPoPBoundTokens",
  "dpop",
  "mtls",
  "resource",
  "resourceMetadata",
  "introspection",
  "outboundBudget",
  "fetch",
  "now",
  "onKeyError",
  "isRevoked",
  "monotonicNow",
  "maxRsaModulusBits",
  "onError",
]);

const ISSUER_ENTRY_NAMES = new Set<string>(["issuer", "tenants", ...ISSUER_SETTING_NAMES]);
const TENANT_PLACEHOLDER = "{tenantid}";

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

function refuseUnknownKeys(
  input: object,
  known: ReadonlySet<string> | readonly string[],
  where: string,
): void {
  const names = known instanceof Set ? known : new Set(known);
  for (const name of Object.keys(input)) {
    if (names.has(name)) continue;
    const suggestion = closestName(name, names);
    if (suggestion !== undefined) fail(`unknown option "${name}"${where}; did you mean "${suggestion}"?`);
    fail(`unknown option "${name}"${where}; known options are: ${[...names].join(", ")}`);
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

function stringList(value: unknown, name: string): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isNonEmptyString)) {
    fail(`"${name}" must be a non-empty string or a non-empty array of non-empty strings`);
  }
  return list;
}

function number(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    fail(`"${name}" must be a number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function boolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") fail(`"${name}" must be true or false`);
  return value;
}

function checkUrl(value: unknown, name: string, allowInsecureHttp: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (!isNonEmptyString(value)) fail(`"${name}" must be a URL string`);
  const why = whyUrlIsRefused(value, allowInsecureHttp);
  if (why) fail(`"${name}" (${value}) ${why}`);
  return value;
}

function toSecretKey(secret: unknown, name: string): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== "secret")
      fail(`"${name}" must be a shared secret; a public or private key cannot be an HMAC secret`);
    return secret;
  }
  if (typeof secret === "string" && secret.length > 0) return createSecretKey(Buffer.from(secret, "utf8"));
  if (secret instanceof Uint8Array && secret.length > 0) return createSecretKey(Buffer.from(secret));
  fail(`"${name}" must be a non-empty string, Uint8Array or secret KeyObject`);
}

function resolveAlgorithms(value: unknown, where: string, secret: KeyObject | undefined): Set<string> {
  if (value === undefined) {
    if (!secret) return new Set(ASYMMETRIC_ALGORITHMS);
    const bytes = secret.symmetricKeySize ?? 0;
    const fitting = SYMMETRIC_ALGORITHMS.filter((alg) => bytes >= (HMAC_MIN_KEY_BYTES[alg] ?? 0));
    if (fitting.length === 0)
      fail(`"secret"${where} must be at least 32 bytes long for HS256 (RFC 7518 §3.2)`);
    return new Set(fitting);
  }
  const list = stringList(value, `algorithms${where}`);
  for (const alg of list) {
    const spec = ALGORITHMS[alg];
    if (alg.toLowerCase() === "none")
      fail(`"algorithms"${where} must not contain "none": unsigned tokens are never accepted`);
    if (!spec)
      fail(
        `"algorithms"${where} has unknown algorithm "${alg}"; supported: ${Object.keys(ALGORITHMS).join(", ")}`,
      );
    if (spec.kty === "oct" && !secret) {
      fail(
        `"algorithms"${where} lists ${alg}, an HMAC algorithm; it needs "secret" for this issuer (and never a key set)`,
      );
    }
    if (spec.kty !== "oct" && secret) {
      fail(`"algorithms"${where} lists ${alg}, but an issuer with "secret" only verifies HS256/HS384/HS512`);
    }
    if (spec.kty === "oct" && secret && (secret.symmetricKeySize ?? 0) < (HMAC_MIN_KEY_BYTES[alg] ?? 0)) {
      fail(
        `"secret"${where} is too short for ${alg}: at least ${HMAC_MIN_KEY_BYTES[alg]} bytes (RFC 7518 §3.2)`,
      );
    }
  }
  return new Set(list);
}

/**
 * Splits `requiredClaims` into static rules (checked before the signature, on untrusted claims: they
 * only ever reject) and the user's functions (run only once the signature has verified, so forged
 * claims never reach user code).
 */
function resolveRequiredClaims(
  value: unknown,
  where: string,
): { rules: (readonly [string, ClaimTest])[]; predicates: (readonly [string, ClaimPredicate])[] } {
  const rules: (readonly [string, ClaimTest])[] = [];
  const predicates: (readonly [string, ClaimPredicate])[] = [];
  if (value === undefined) return { rules, predicates };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`"requiredClaims"${where} must be an object mapping claim names to rules`);
  }
  for (const [name, rule] of Object.entries(value as Record<string, ClaimRule>)) {
    if (typeof rule === "function") predicates.push([name, rule]);
    else rules.push([name, compileClaimRule(name, rule)]);
  }
  return { rules, predicates };
}

function resolveTyp(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isNonEmptyString(value)) fail(`"typ"${where} must be a non-empty string such as "at+jwt"`);
  return normaliseTyp(value);
}

/** RFC 7515 §4.1.9: `typ` compares case-insensitively, with the `application/` prefix optional. */
export function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

function resolveIssuer(
  issuer: string,
  settings: IssuerSettings,
  where: string,
  allowInsecureHttp: boolean,
  extraClaims: (readonly [string, ClaimTest])[],
): ResolvedIssuer {
  const secret = settings.secret === undefined ? undefined : toSecretKey(settings.secret, `secret${where}`);
  const jwksUri = checkUrl(settings.jwksUri, `jwksUri${where}`, allowInsecureHttp);
  const metadataUrl = checkUrl(settings.metadataUrl, `metadataUrl${where}`, allowInsecureHttp);
  const jwks = settings.jwks === undefined ? undefined : resolveStaticKeys(settings.jwks, `jwks${where}`);
  if ([secret, jwksUri ?? metadataUrl, jwks].filter((source) => source !== undefined).length > 1) {
    fail(
      `issuer "${issuer}" has more than one key source ("secret", "jwks", "jwksUri"/"metadataUrl"); give it exactly one`,
    );
  }
  if (!secret && !jwks && !jwksUri && !metadataUrl) {
    const why = whyUrlIsRefused(issuer, allowInsecureHttp);
    if (why)
      fail(`issuer "${issuer}" ${why}; keys are discovered from the issuer URL unless "jwksUri" is given`);
  }

  let audience: ReadonlySet<string> | false;
  if (settings.audience === false) audience = false;
  else if (settings.audience === undefined) {
    fail(`"audience"${where} is required: the identifier your API expects in the token's "aud" claim`);
  } else audience = new Set(stringList(settings.audience, `audience${where}`));

  const claimRules = resolveRequiredClaims(settings.requiredClaims, where);
  const requiredClaims = [...claimRules.rules, ...extraClaims];
  const claimPredicates = claimRules.predicates;
  const allowedClients =
    settings.allowedClients === undefined
      ? undefined
      : new Set(stringList(settings.allowedClients, `allowedClients${where}`));
  if (audience === false && !allowedClients && requiredClaims.length === 0 && claimPredicates.length === 0) {
    fail(
      `"audience: false"${where} turns the audience check off, so a token minted for any other API of the same issuer would be accepted; pair it with "allowedClients" or "requiredClaims" (e.g. Cognito: { token_use: "access" } and your client ids)`,
    );
  }

  const scopeClaims = settings.scopeClaims ?? ["scope", "scp"];
  if (typeof scopeClaims !== "function") {
    if (!Array.isArray(scopeClaims) || scopeClaims.length === 0) {
      fail(`"scopeClaims"${where} must be a non-empty array of claim names or paths, or a function`);
    }
    for (const source of scopeClaims) {
      const ok =
        isNonEmptyString(source) ||
        (Array.isArray(source) && source.length > 0 && source.every(isNonEmptyString));
      if (!ok)
        fail(
          `"scopeClaims"${where} entries must be claim names ("scp"), dotted paths ("realm_access.roles") or path arrays`,
        );
    }
  }

  return Object.freeze({
    issuer,
    audience,
    algorithms: resolveAlgorithms(settings.algorithms, where, secret),
    readScopes: compileScopeReader(scopeClaims),
    requiredClaims: Object.freeze(requiredClaims),
    claimPredicates: Object.freeze(claimPredicates),
    allowedClients,
    typ: resolveTyp(settings.typ, where),
    maxTokenAge:
      settings.maxTokenAge === undefined
        ? undefined
        : number(settings.maxTokenAge, `maxTokenAge${where}`, 0, 1),
    keys: secret
      ? { kind: "secret" as const, secret }
      : jwks
        ? { kind: "static" as const, jwks }
        : { kind: "jwks" as const, jwksUri, metadataUrl },
  });
}

/** Expands a `{tenantid}` template into one entry per tenant, each requiring its own `tid`. */
function expandEntry(
  entry: IssuerOptions,
  index: number,
): { issuer: string; settings: IssuerSettings; tid?: string }[] {
  const where = ` (issuers[${index}])`;
  if (!entry.issuer.includes(TENANT_PLACEHOLDER)) {
    if (entry.tenants !== undefined)
      fail(`"tenants"${where} is only allowed with an issuer template holding ${TENANT_PLACEHOLDER}`);
    return [{ issuer: entry.issuer, settings: entry }];
  }
  const tenants = entry.tenants === undefined ? [] : stringList(entry.tenants, `tenants${where}`);
  if (tenants.length === 0) {
    fail(
      `issuer template "${entry.issuer}"${where} needs "tenants": the tenant ids you accept (an open template would trust every tenant)`,
    );
  }
  const fill = (value: string | undefined, tenant: string) => value?.split(TENANT_PLACEHOLDER).join(tenant);
  return tenants.map((tenant) => ({
    issuer: fill(entry.issuer, tenant)!,
    settings: {
      ...entry,
      jwksUri: fill(entry.jwksUri, tenant),
      metadataUrl: fill(entry.metadataUrl, tenant),
    },
    tid: tenant,
  }));
}

function collectEntries(input: VerifierOptions): IssuerOptions[] {
  const defaults: IssuerSettings = {};
  for (const name of ISSUER_SETTING_NAMES) {
    if (input[name] !== undefined) (defaults as Record<string, unknown>)[name] = input[name];
  }
  const entries: IssuerOptions[] = [];
  if (input.issuer !== undefined) {
    for (const issuer of stringList(input.issuer, "issuer")) entries.push({ ...defaults, issuer });
  }
  if (input.issuers !== undefined) {
    if (!Array.isArray(input.issuers) || input.issuers.length === 0)
      fail(`"issuers" must be a non-empty array of { issuer, ... }`);
    input.issuers.forEach((entry, index) => {
      if (entry === null || typeof entry !== "object")
        fail(`issuers[${index}] must be an object with an "issuer"`);
      refuseUnknownKeys(entry, ISSUER_ENTRY_NAMES, ` in issuers[${index}]`);
      if (!isNonEmptyString(entry.issuer)) fail(`issuers[${index}].issuer must be a non-empty string`);
      const merged: Record<string, unknown> = { ...defaults };
      for (const [name, value] of Object.entries(entry)) if (value !== undefined) merged[name] = value;
      // A per-issuer key location replaces the shared one rather than clashing with it.
      if (entry.secret !== undefined) {
        delete merged.jwksUri;
        delete merged.metadataUrl;
        delete merged.jwks;
      } else if (entry.jwks !== undefined) {
        delete merged.jwksUri;
        delete merged.metadataUrl;
        delete merged.secret;
      } else if (entry.jwksUri !== undefined || entry.metadataUrl !== undefined) {
        delete merged.secret;
        delete merged.jwks;
      }
      entries.push(merged as unknown as IssuerOptions);
    });
  }
  if (entries.length === 0)
    fail(`"issuer" (or "issuers") is required: the exact "iss" value of the tokens you accept`);
  return entries;
}

/** Validates and normalises createVerifier's options. Throws TypeError with the fix in the message. */
export function resolveOptions(input: VerifierOptions): ResolvedOptions {
  if (input === null || typeof input !== "object")
    fail("createVerifier() needs an options object: { issuer, audience }");
  refuseUnknownKeys(input, VERIFIER_OPTION_NAMES, "");
  const allowInsecureHttp = boolean(input.allowInsecureHttp, "allowInsecureHttp", false);
  const resource = resolveResource(input.resource, input.resourceMetadata, allowInsecureHttp);

  const issuers = new Map<string, ResolvedIssuer>();
  // RFC 8707 / RFC 9728: without an explicit audience, tokens must be minted for this resource.
  const withAudience =
    resource !== undefined && input.audience === undefined
      ? { ...input, audience: resource.resource }
      : input;
  collectEntries(withAudience).forEach((entry, index) => {
    const where = input.issuers ? ` (issuer ${JSON.stringify(entry.issuer)})` : "";
    for (const { issuer, settings, tid } of expandEntry(entry, index)) {
      if (issuers.has(issuer)) fail(`issuer "${issuer}" is configured twice`);
      const extra = tid === undefined ? [] : [["tid", (value: unknown) => value === tid] as const];
      issuers.set(issuer, resolveIssuer(issuer, settings, where, allowInsecureHttp, extra));
    }
  });

  let realm: string | undefined = "api";
  if (input.realm === false) realm = undefined;
  else if (input.realm !== undefined) {
    if (typeof input.realm !== "string" || !isRealmText(input.realm))
      fail(`"realm" must be a string of printable ASCII, or false`);
    realm = input.realm;
  }

  const freshnessInput = input.keyFreshness ?? {};
  if (typeof freshnessInput !== "object" || freshnessInput === null)
    fail(`"keyFreshness" must be { defaultMs, minMs, maxMs }`);
  refuseUnknownKeys(freshnessInput, ["defaultMs", "minMs", "maxMs"], " in keyFreshness");
  const minMs = number(freshnessInput.minMs, "keyFreshness.minMs", 60_000, 0);
  const maxMs = number(freshnessInput.maxMs, "keyFreshness.maxMs", 86_400_000, minMs);
  const defaultMs = number(
    freshnessInput.defaultMs,
    "keyFreshness.defaultMs",
    Math.min(Math.max(600_000, minMs), maxMs),
    minMs,
    maxMs,
  );

  let tokenCache: ResolvedOptions["tokenCache"];
  if (input.tokenCache === false) tokenCache = false;
  else {
    const cache = input.tokenCache ?? {};
    if (typeof cache !== "object" || cache === null)
      fail(`"tokenCache" must be { maxEntries, maxBytes } or false`);
    refuseUnknownKeys(cache, ["maxEntries", "maxBytes"], " in tokenCache");
    tokenCache = Object.freeze({
      maxEntries: number(cache.maxEntries, "tokenCache.maxEntries", 10_000, 1),
      maxBytes: number(cache.maxBytes, "tokenCache.maxBytes", 16 * 1024 * 1024, 1),
    });
  }

  const fetchImpl = input.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") fail(`"fetch" must be a function like the global fetch`);
  const now = input.now ?? Date.now;
  if (typeof now !== "function") fail(`"now" must be a function returning milliseconds since the epoch`);
  if (input.onKeyError !== undefined && typeof input.onKeyError !== "function")
    fail(`"onKeyError" must be a function`);
  if (input.isRevoked !== undefined && typeof input.isRevoked !== "function")
    fail(`"isRevoked" must be a function (auth) => boolean | Promise<boolean>`);
  if (input.onError !== undefined && typeof input.onError !== "function")
    fail(`"onError" must be a function`);
  const rejectDPoPBoundTokens = boolean(input.rejectDPoPBoundTokens, "rejectDPoPBoundTokens", true);
  const dpop = resolveDPoP(input.dpop, now, rejectDPoPBoundTokens);

  return Object.freeze({
    issuers,
    realm,
    challenge: Object.freeze({
      realm,
      resourceMetadata: resource?.location.url,
      bearer: !dpop?.required,
      dpopAlgs: dpop?.algorithms,
    }),
    resource,
    clockTolerance: number(input.clockTolerance, "clockTolerance", 5, 0, 3600),
    timeoutMs: number(input.timeoutMs, "timeoutMs", 5000, 1, 120_000),
    cooldownMs: number(input.cooldownMs, "cooldownMs", 30_000, 0),
    maxBackoffMs: number(input.maxBackoffMs, "maxBackoffMs", 30_000, 1),
    maxStaleMs: number(input.maxStaleMs, "maxStaleMs", 86_400_000, 0),
    keyFreshness: Object.freeze({ defaultMs, minMs, maxMs }),
    maxResponseBytes: number(input.maxResponseBytes, "maxResponseBytes", 512 * 1024, 1024),
    maxTokenLength: number(input.maxTokenLength, "maxTokenLength", 16_384, 16),
    allowFormBodyToken: boolean(input.allowFormBodyToken, "allowFormBodyToken", false),
    allowQueryToken: boolean(input.allowQueryToken, "allowQueryToken", false),
    allowInsecureHttp,
    tokenCache,
    rejectDPoPBoundTokens,
    dpop,
    mtls: resolveMtls(input.mtls),
    introspection: resolveIntrospection(input.introspection, issuers, allowInsecureHttp),
    outboundBudget: resolveOutboundBudget(input.outboundBudget),
    fetch: fetchImpl as ResolvedOptions["fetch"],
    now,
    onKeyError: input.onKeyError,
    isRevoked: input.isRevoked,
    onError: input.onError,
    ...resolveKeyLayer(input),
  });
}
