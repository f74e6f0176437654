/**
 * createVerifier(): validates the options once, builds one key source per key set, and wires the
 * stages in order: extract → decode → (issuer, header, claims) → find key → verify → scopes. This is
 * the only file that knows that order; each stage is a function of its inputs and the resolved options.
 */
import { TokenCache } from "./cache/token-cache.js";
import { InvalidRequestError, InvalidTokenError } from "./errors/bearer-error.js";
import type { KeyRecord } from "./keys/import-key.js";
import { JwksKeySource, type KeySource, SecretKeySource } from "./keys/key-source.js";
import { resolveOptions } from "./options/resolve-options.js";
import type { ResolvedIssuer, ResolvedOptions } from "./options/resolved-options.js";
import { acceptedUntilMs, checkClaims } from "./pipeline/claims.js";
import { type DecodedToken, decodeUntrusted } from "./pipeline/decode.js";
import { findBearerToken, isB64Token } from "./pipeline/extract.js";
import { lookUpKeys } from "./pipeline/key-lookup.js";
import { toBearerError } from "./pipeline/map-error.js";
import { assertAnyScope, assertScopes, registerAuthRealm } from "./pipeline/scopes.js";
import { checkHeader, verifySignature } from "./pipeline/verify.js";
import type { AuthResult, RequestLike, Verifier, VerifierOptions, VerifierStats } from "./types.js";

/** One key source per distinct key set: issuers sharing a `jwksUri` share its cache and fetches. */
function createKeySources(options: ResolvedOptions): Map<string, KeySource> {
  const byLocation = new Map<string, KeySource>();
  const byIssuer = new Map<string, KeySource>();
  const fetchOptions = {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes,
    allowInsecureHttp: options.allowInsecureHttp,
  };
  for (const issuer of options.issuers.values()) {
    const { keys } = issuer;
    if (keys.kind === "secret") {
      const record: KeyRecord = {
        kid: undefined,
        kty: "oct",
        alg: undefined,
        crv: undefined,
        key: keys.secret,
        fingerprint: "secret",
        retired: false,
      };
      byIssuer.set(issuer.issuer, new SecretKeySource(record));
      continue;
    }
    const location = keys.jwksUri ?? `${issuer.issuer}\u0000${keys.metadataUrl ?? ""}`;
    let source = byLocation.get(location);
    if (!source) {
      source = new JwksKeySource({
        issuer: issuer.issuer,
        jwksUri: keys.jwksUri,
        metadataUrl: keys.metadataUrl,
        fetchOptions,
        cooldownMs: options.cooldownMs,
        maxBackoffMs: options.maxBackoffMs,
        maxStaleMs: options.maxStaleMs,
        freshness: options.keyFreshness,
        now: options.now,
        realm: options.realm,
        onKeyError: options.onKeyError,
      });
      byLocation.set(location, source);
    }
    byIssuer.set(issuer.issuer, source);
  }
  return byIssuer;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

function createAuthResult(token: string, decoded: DecodedToken, issuer: ResolvedIssuer): AuthResult {
  return Object.freeze({
    token,
    header: deepFreeze(decoded.header),
    claims: deepFreeze(decoded.claims),
    scopes: Object.freeze(issuer.readScopes(decoded.claims)),
    issuer: issuer.issuer,
  });
}

/**
 * Builds a verifier. Options are validated here, once; a mistake throws a TypeError that names the
 * option and the fix. Build one verifier per configuration at start-up and reuse it: it owns the key
 * caches and the verified-token cache.
 * @example
 * const verifier = createVerifier({ issuer: "https://idp.example.com/realms/prod", audience: "orders-api" });
 * const auth = await verifier.authenticate({ headers: req.headers });
 * verifier.assertScopes(auth, ["orders:read"]);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const resolved = resolveOptions(options);
  const { realm, now, clockTolerance, issuers, maxTokenLength, rejectDPoPBoundTokens } = resolved;
  const sources = createKeySources(resolved);
  const cache = resolved.tokenCache
    ? new TokenCache(resolved.tokenCache.maxEntries, resolved.tokenCache.maxBytes)
    : undefined;

  // `fromRequest`: the token came from a request, so a malformed one that breaks the b64token grammar
  // is a malformed request (400), not a bad token (RFC 6750 §2.1, §3.1).
  async function verifyToken(token: string, fromRequest: boolean): Promise<AuthResult> {
    try {
      if (typeof token !== "string" || token === "") throw new InvalidTokenError("malformed", realm);
      if (token.length > maxTokenLength) throw new InvalidRequestError("token_too_large", realm);
      const nowMs = now();
      if (cache !== undefined) {
        const hit = cache.get(token, nowMs);
        if (hit !== undefined) {
          hit.source.refreshIfStale(nowMs);
          return hit.auth;
        }
      }
      const decoded = decodeUntrusted(token, realm);
      const iss = decoded.claims.iss;
      // The issuer is matched before anything is fetched: a foreign `iss` causes no network request.
      const issuer = typeof iss === "string" ? issuers.get(iss) : undefined;
      if (issuer === undefined)
        throw new InvalidTokenError(
          iss === undefined || typeof iss === "string" ? "issuer" : "claim_type",
          realm,
        );
      checkHeader(decoded.header, issuer, realm);
      checkClaims(decoded.claims, issuer, nowMs, clockTolerance, realm, rejectDPoPBoundTokens);
      const source = sources.get(issuer.issuer) as KeySource;
      let candidates = lookUpKeys(source, decoded.header);
      if (candidates instanceof Promise) candidates = await candidates;
      const key = verifySignature(decoded, candidates, realm);
      const auth = createAuthResult(token, decoded, issuer);
      registerAuthRealm(auth, realm);
      cache?.set(token, {
        auth,
        untilMs: acceptedUntilMs(decoded.claims, issuer, clockTolerance),
        key,
        source,
      });
      return auth;
    } catch (error) {
      if (
        fromRequest &&
        error instanceof InvalidTokenError &&
        error.reason === "malformed" &&
        !isB64Token(token)
      ) {
        throw new InvalidRequestError("malformed_token", realm);
      }
      throw toBearerError(error, realm);
    }
  }

  return Object.freeze({
    realm,
    verify: (token: string) => verifyToken(token, false),
    stats(): VerifierStats {
      return {
        cachedTokens: cache?.size ?? 0,
        cachedTokenBytes: cache?.byteSize ?? 0,
        cacheHits: cache?.hits ?? 0,
      };
    },
    authenticate(request: RequestLike): Promise<AuthResult> {
      // Not async itself: verify() is the one promise per request.
      let token: string;
      try {
        token = findBearerToken(request, resolved);
      } catch (error) {
        return Promise.reject(toBearerError(error, realm));
      }
      return verifyToken(token, true);
    },
    assertScopes(auth: AuthResult, scopes: readonly string[]): void {
      assertScopes(auth, scopes);
    },
    assertAnyScope(auth: AuthResult, scopes: readonly string[]): void {
      assertAnyScope(auth, scopes);
    },
    async warmup(): Promise<void> {
      const failures: string[] = [];
      const unique = new Map<KeySource, string>();
      for (const [issuer, source] of sources) if (!unique.has(source)) unique.set(source, issuer);
      await Promise.all(
        [...unique].map(async ([source, issuer]) => {
          try {
            await source.warmup();
          } catch (error) {
            const reason = error instanceof Error && "reason" in error ? String(error.reason) : String(error);
            failures.push(`issuer "${issuer}": ${reason}`);
          }
        }),
      );
      if (failures.length > 0)
        throw new Error(`resource-guard: could not load signing keys — ${failures.join("; ")}`);
    },
  });
}
