/**
 * The introspection stage (RFC 7662) for the one issuer that introspects. It answers "is this opaque
 * token good for this API?" and is built so the identity provider sees as few requests as possible:
 * - an in-process cache of answers (cache/generational-cache.ts): a repeated token costs what a cached JWT costs,
 *   one Map lookup under a 30-bit fingerprint and a full comparison with the token the entry is for
 *   (the token is in memory anyway, in the AuthResult); its AuthResult is built once per answer;
 * - behind it, an optional shared cache (shared-cache.ts) so a fleet asks once per token, keyed by
 *   SHA-256 of the token (cache-key.ts): nothing that leaves the process holds the token;
 * - one request in flight per token, shared by every request that waits for it;
 * - the outbound budget (outbound/budget.ts), shared with the key fetches: beyond it, 503;
 * - after a failure, backoff (backoff.ts) during which requests needing a call get 503 without one.
 * Failures of the provider are 503 IntrospectionUnavailableError, never 401; only the provider's
 * answer (`active: false`, or claims that fail a check) makes a 401 (answer.ts).
 */

import { GenerationalCache, type MemoryEntry } from "../cache/generational-cache.js";
import { fingerprint } from "../cache/token-cache.js";
import { IntrospectionUnavailableError, InvalidTokenError } from "../errors/bearer-error.js";
import type { FetchJsonOptions } from "../keys/fetch-json.js";
import type { ResolvedIntrospection } from "../options/introspection.js";
import type { ResolvedIssuer } from "../options/resolved-options.js";
import type { OutboundBudget } from "../outbound/budget.js";
import { readBinding } from "../pipeline/claims.js";
import { isB64Token } from "../pipeline/extract.js";
import type { AuthResult, JWTHeader, JWTPayload, TokenBinding } from "../types.js";
import { type AnswerLifetimes, checkAnswer, type StoredAnswer, toStoredAnswer } from "./answer.js";
import { Backoff } from "./backoff.js";
import { introspectionKey } from "./cache-key.js";
import { discoverIntrospectionEndpoint } from "./endpoint.js";
import { createIntrospectionRequest, type IntrospectionResponse } from "./request.js";
import { readShared, writeShared } from "./shared-cache.js";

/** The header of an opaque token's AuthResult: it has none. */
const NO_HEADER = Object.freeze({}) as JWTHeader;

/** Bytes charged per cached answer besides the answer itself (key, entry, Map slot). */
const ENTRY_OVERHEAD = 160;

/**
 * True when `token` is not a JWS compact serialisation (RFC 7515 §7.1: exactly three dot-separated
 * parts), so only its issuer can judge it. A JWT that fails to decode stays a malformed JWT (401)
 * rather than a question for the provider.
 * @example isOpaqueToken("2YotnFZFEjr1zCsicMWpAA"); // true
 */
export function isOpaqueToken(token: string): boolean {
  const first = token.indexOf(".");
  if (first === -1) return true;
  const second = token.indexOf(".", first + 1);
  return second === -1 || token.indexOf(".", second + 1) !== -1;
}

/** Builds the AuthResult of an accepted token (create-verifier's, so both token kinds share it). */
export type CreateAuthResult = (
  token: string,
  header: JWTHeader,
  claims: JWTPayload,
  issuer: ResolvedIssuer,
  binding: TokenBinding | undefined,
) => AuthResult;

export interface IntrospectorSettings {
  readonly options: ResolvedIntrospection;
  readonly issuer: ResolvedIssuer;
  readonly fetchOptions: FetchJsonOptions;
  readonly budget: OutboundBudget;
  readonly maxBackoffMs: number;
  readonly clockTolerance: number;
  readonly realm: string | undefined;
  readonly now: () => number;
  readonly createAuthResult: CreateAuthResult;
}

interface Entry extends MemoryEntry {
  /** The token this answer is about: a fingerprint match is served only when it is this token. */
  readonly token: string;
  readonly answer: StoredAnswer;
  readonly header: JWTHeader;
  /** Built on the first request the answer accepts, then shared by every later one. */
  auth?: AuthResult;
}

interface Failure {
  reason?: string;
  retryAfterMs?: number | undefined;
  status?: number | undefined;
}

export class Introspector {
  /** The issuer whose tokens are introspected. */
  readonly issuer: string;
  /** Whether JWTs of that issuer are introspected too (after local verification). */
  readonly jwts: boolean;
  private readonly memory: GenerationalCache<number, Entry>;
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly send: (endpoint: string, token: string) => Promise<IntrospectionResponse>;
  private readonly lifetimes: AnswerLifetimes;
  private endpoint: string | undefined;
  private discovering: Promise<string> | undefined;
  private readonly backoff: Backoff;
  private overBudget = false;

  constructor(private readonly settings: IntrospectorSettings) {
    const { options, fetchOptions, now } = settings;
    this.issuer = options.issuer;
    this.jwts = options.jwts;
    this.endpoint = options.endpoint;
    this.memory = new GenerationalCache(options.memoryCache.maxEntries, options.memoryCache.maxBytes);
    this.backoff = new Backoff(settings.maxBackoffMs);
    this.send = createIntrospectionRequest(options, { ...fetchOptions, now });
    this.lifetimes = {
      maxCacheMs: options.maxCacheMs,
      inactiveCacheMs: options.inactiveCacheMs,
      clockTolerance: settings.clockTolerance,
    };
  }

  /**
   * The cached judgement of `token`: its AuthResult, a thrown 401 for a cached refusal, or undefined
   * when nothing usable is cached. Synchronous: a cached token never waits.
   */
  lookup(token: string, nowMs: number): AuthResult | undefined {
    const entry = this.memory.get(fingerprint(token), nowMs);
    if (entry === undefined || entry.token !== token) return undefined;
    return entry.auth ?? this.accept(entry, token, nowMs);
  }

  /**
   * Judges an opaque token: from the cache when it can, else by asking the provider. A token outside
   * RFC 6750's b64token grammar is malformed (400 from a request) and never sent anywhere.
   */
  verify(token: string, nowMs: number): AuthResult | Promise<AuthResult> {
    const cached = this.lookup(token, nowMs);
    if (cached !== undefined) return cached;
    if (!isB64Token(token)) throw new InvalidTokenError("malformed", this.settings.realm);
    return this.introspect(token, NO_HEADER);
  }

  /**
   * Asks the provider about `token` (one request per token at a time) and judges the answer.
   * `header` is a JWT's verified header, or none for an opaque token.
   */
  introspect(token: string, header: JWTHeader = NO_HEADER): Promise<AuthResult> {
    const key = introspectionKey(token);
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.load(key, token, header).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending.then((entry) => this.accept(entry, token, this.settings.now()));
  }

  /** Discovers the endpoint now; rejects with a KeyFetchError whose message says what is wrong. */
  async warmup(): Promise<void> {
    if (this.endpoint === undefined) await this.discover();
  }

  private accept(entry: Entry, token: string, nowMs: number): AuthResult {
    if (entry.auth !== undefined) return entry.auth;
    const { issuer, clockTolerance, realm, createAuthResult } = this.settings;
    checkAnswer(entry.answer, issuer, nowMs, clockTolerance, realm);
    const claims = entry.answer.members as JWTPayload;
    // RFC 7662 §2.2 / RFC 8705 §3.2 / RFC 9449 §6.2: `cnf` binds an introspected token as it binds a JWT.
    entry.auth = createAuthResult(token, entry.header, claims, issuer, readBinding(claims, realm));
    return entry.auth;
  }

  private async load(key: string, token: string, header: JWTHeader): Promise<Entry> {
    const { options, issuer, now } = this.settings;
    const shared = options.cache;
    if (shared !== undefined) {
      const stored = await readShared(shared, key, options.cacheTimeoutMs, now());
      if (stored !== undefined) return this.remember(token, stored, header, JSON.stringify(stored).length);
    }
    const startedAt = now();
    const response = await this.call(token, startedAt);
    // The lifetime counts from when the request was sent: never longer than the provider meant.
    const answer = toStoredAnswer(response.members, issuer, startedAt, this.lifetimes);
    if (shared !== undefined) await writeShared(shared, key, answer, options.cacheTimeoutMs, now());
    return this.remember(token, answer, header, response.bytes);
  }

  private remember(token: string, answer: StoredAnswer, header: JWTHeader, bytes: number): Entry {
    const size = bytes + token.length + ENTRY_OVERHEAD;
    const entry: Entry = { token, answer, header, untilMs: answer.until, size };
    if (answer.until > this.settings.now()) this.memory.set(fingerprint(token), entry);
    return entry;
  }

  private async call(token: string, startedAt: number): Promise<IntrospectionResponse> {
    const waitMs = this.backoff.remainingMs(startedAt);
    if (waitMs > 0)
      throw new IntrospectionUnavailableError("introspection is backing off after a failure", waitMs / 1000);
    let endpoint: string;
    try {
      endpoint = this.endpoint ?? (await this.discover());
    } catch (error) {
      throw this.failed(error as Failure, startedAt, undefined);
    }
    const budgetWaitMs = this.settings.budget.take(endpoint);
    if (budgetWaitMs > 0) throw this.refusedByBudget(endpoint, budgetWaitMs);
    this.overBudget = false;
    try {
      const response = await this.send(endpoint, token);
      this.backoff.succeeded();
      return response;
    } catch (error) {
      throw this.failed(error as Failure, startedAt, endpoint);
    }
  }

  private discover(): Promise<string> {
    const { options, fetchOptions } = this.settings;
    this.discovering ??= discoverIntrospectionEndpoint(options.issuer, options.metadataUrl, fetchOptions)
      .then((endpoint) => {
        this.endpoint = endpoint;
        return endpoint;
      })
      .finally(() => {
        this.discovering = undefined;
      });
    return this.discovering;
  }

  private refusedByBudget(endpoint: string, waitMs: number): IntrospectionUnavailableError {
    const reason = `outbound request budget for ${new URL(endpoint).origin} is spent`;
    // Reported once per episode, not once per refused request: a flood must not flood the logs too.
    if (!this.overBudget) this.report(endpoint, reason);
    this.overBudget = true;
    return new IntrospectionUnavailableError(reason, waitMs / 1000);
  }

  private failed(
    error: Failure,
    startedAt: number,
    endpoint: string | undefined,
  ): IntrospectionUnavailableError {
    const waitMs = this.backoff.failed(startedAt, this.settings.now(), error.retryAfterMs);
    // A discovered endpoint that is gone (404) may have moved: read the metadata again next time.
    if (this.settings.options.endpoint === undefined && error.status === 404) this.endpoint = undefined;
    const reason = typeof error.reason === "string" ? error.reason : "introspection request failed";
    this.report(endpoint, reason);
    return new IntrospectionUnavailableError(reason, waitMs / 1000, error);
  }

  private report(url: string | undefined, reason: string): void {
    const onError = this.settings.options.onError;
    if (onError === undefined) return;
    try {
      onError({ issuer: this.issuer, url, reason });
    } catch {
      // A throwing logger must not turn a 503 into a 500.
    }
  }
}
