/**
 * A KeySource answers "which keys may have signed this token?" for one key set. The JWKS source keeps
 * its own cache over fetchJson, with every interval on the steady clock (steady-clock.ts):
 * - freshness from `Cache-Control: max-age` less `Age`, clamped (`keyFreshness`) and shortened by up
 *   to 20 % at random so a fleet spreads its refreshes; a stale set keeps answering while one
 *   background refresh runs, so requests never wait on a routine refresh;
 * - one fetch in flight at a time, shared by every waiter (100 cold requests cause one fetch), and one
 *   deadline (`timeoutMs`) for all of it, discovery hops included;
 * - an unknown `kid` causes at most one refetch per `cooldownMs`, counted from a *successful* fetch:
 *   until a fetch has succeeded since the last failure, an unknown `kid` may be a legitimate new key
 *   the provider could not serve, so it is 503, never 401;
 * - after a failure, backoff (1 s doubling to `maxBackoffMs`, each wait shortened by up to half at
 *   random, and never shorter than the provider's `Retry-After` up to `maxBackoffMs`) during which
 *   nothing is fetched and requests that need a fetch get 503 with `Retry-After` set to the time that
 *   is left; known keys keep working for `maxStaleMs` past their freshness (stale-if-error);
 * - a discovered `jwks_uri` is kept through transient failures and looked up again only when the
 *   JWKS answers 404 or 410;
 * - "the provider is unavailable" (503) is kept apart from "no such key" (401 `invalid_token`).
 */
import { InvalidTokenError, KeysUnavailableError } from "../errors/bearer-error.js";
import { keysFetchTrace, publishKeySetEvent } from "../observe/channels.js";
import type { ResolvedFreshness } from "../options/resolved-options.js";
import type { KeyErrorEvent } from "../types.js";
import { discoverJwksUri, isGone } from "./discovery.js";
import { type FetchedJson, type FetchJsonOptions, fetchJson, KeyFetchError } from "./fetch-json.js";
import type { KeyLimits, KeyRecord } from "./import-key.js";
import { type ImportedKeySet, importKeySet, MAX_USABLE_KEYS } from "./key-set.js";
import { type SteadyClock, shortenAtRandom } from "./steady-clock.js";

const FIRST_BACKOFF_MS = 1000;
/** How often (wall-clock ms) cache hits look at the steady clock to see whether the keys are stale. */
const STALENESS_CHECK_INTERVAL_MS = 100;
/** Each backoff wait is between half and all of its nominal length. */
const BACKOFF_JITTER = 0.5;
/** Each freshness lifetime is between 80 % and all of its nominal length. */
const FRESHNESS_JITTER = 0.2;

export interface KeySource {
  /** Keys that may have signed a token with this `kid`: synchronous when known, a promise when a fetch is needed. */
  getKeys(kid: string | undefined): readonly KeyRecord[] | Promise<readonly KeyRecord[]>;
  /**
   * Starts a background refresh when the keys are past their freshness (cache hits call this, with
   * the wall-clock time the verification read already).
   */
  refreshIfStale(wallNowMs: number): void;
  /** Loads the keys now unless loaded; rejects with a KeyFetchError (also during backoff, without a fetch). */
  warmup(): Promise<void>;
}

export interface JwksKeySourceSettings {
  issuer: string;
  jwksUri: string | undefined;
  metadataUrl: string | undefined;
  fetchOptions: FetchJsonOptions;
  cooldownMs: number;
  maxBackoffMs: number;
  maxStaleMs: number;
  freshness: ResolvedFreshness;
  limits: KeyLimits;
  clock: SteadyClock;
  realm: string | undefined;
  onKeyError: ((event: KeyErrorEvent) => void) | undefined;
}

/** A key set with a single shared secret (HS256/384/512 issuers): nothing to fetch. */
export class SecretKeySource implements KeySource {
  private readonly keys: readonly KeyRecord[];
  constructor(record: KeyRecord) {
    this.keys = [record];
  }
  getKeys(): readonly KeyRecord[] {
    return this.keys;
  }
  refreshIfStale(): void {}
  async warmup(): Promise<void> {}
}

export class JwksKeySource implements KeySource {
  private byKid = new Map<string, KeyRecord[]>();
  private all: readonly KeyRecord[] = [];
  /** `kid`s of usable keys beyond MAX_USABLE_KEYS: in the set, but not held. */
  private overflowKids: ReadonlySet<string> = new Set();
  private reportedOverflow = 0;
  private readonly reportedRefusals = new Set<string>();
  private loaded = false;
  private freshUntil = 0;
  private usableUntil = 0;
  private inflight: Promise<void> | undefined;
  private inflightStartedAt = 0;
  private failures = 0;
  private backoffUntil = Number.NEGATIVE_INFINITY;
  /** The failure of the last fetch; undefined once a fetch has succeeded since. */
  private lastFailure: KeyFetchError | undefined;
  /** When the last successful fetch that an unknown `kid` waited on started. */
  private cooldownFrom = Number.NEGATIVE_INFINITY;
  private jwksUri: string | undefined;
  /** Wall-clock window in which cache hits skip the staleness check (refreshIfStale). */
  private lastCheckAt = Number.POSITIVE_INFINITY;
  private nextCheckAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly settings: JwksKeySourceSettings) {
    this.jwksUri = settings.jwksUri;
  }

  getKeys(kid: string | undefined): readonly KeyRecord[] | Promise<readonly KeyRecord[]> {
    const now = this.settings.clock();
    if (!this.loaded || now > this.usableUntil) return this.load(kid, now);
    if (now > this.freshUntil) this.refreshInBackground(now);
    const found = this.match(kid);
    return found.length > 0 ? found : this.afterMiss(kid, now);
  }

  /**
   * Freshness runs on the steady clock, but cache hits read it at most once per 100 ms of wall-clock
   * time: the hit has the wall-clock time already, and a second clock read on every hit cost about as
   * much as the rest of the hit. A step of the wall clock cannot hold the check off: a step back
   * checks at once, a step forward only sooner. A refresh starts at most 100 ms late, well inside the
   * jitter that spreads a fleet's refreshes.
   */
  refreshIfStale(wallNowMs: number): void {
    if (!this.loaded) return;
    if (wallNowMs < this.nextCheckAt && wallNowMs >= this.lastCheckAt) return;
    this.lastCheckAt = wallNowMs;
    this.nextCheckAt = wallNowMs + STALENESS_CHECK_INTERVAL_MS;
    const now = this.settings.clock();
    if (now > this.freshUntil) this.refreshInBackground(now);
  }

  async warmup(): Promise<void> {
    if (this.loaded) return;
    const now = this.settings.clock();
    if (!this.inflight && now < this.backoffUntil) throw this.backoffError(now);
    await this.refresh();
  }

  private match(kid: string | undefined): readonly KeyRecord[] {
    if (kid === undefined) return this.all;
    return this.byKid.get(kid) ?? [];
  }

  private secondsLeft(now: number): number {
    return Math.max(0, this.backoffUntil - now) / 1000;
  }

  private backoffError(now: number): KeyFetchError {
    const last = this.lastFailure;
    const why = last ? `${last.reason}: ${last.detail}` : "unknown";
    return new KeyFetchError(
      "backoff",
      `the last attempt failed (${why}); the next is allowed in ${Math.ceil(this.secondsLeft(now))} s`,
      { url: last?.url, cause: last },
    );
  }

  /** 503 for this source's state: the failure just seen, or the backoff still running. */
  private unavailable(now: number, failure?: unknown): KeysUnavailableError {
    const error = failure instanceof KeyFetchError ? failure : this.backoffError(now);
    return new KeysUnavailableError(error.reason, this.secondsLeft(now), error, error.detail);
  }

  private async load(kid: string | undefined, now: number): Promise<readonly KeyRecord[]> {
    if (!this.inflight && now < this.backoffUntil) throw this.unavailable(now);
    return this.fetchThenMatch(kid);
  }

  private async afterMiss(kid: string | undefined, now: number): Promise<readonly KeyRecord[]> {
    if (kid !== undefined && this.overflowKids.has(kid)) throw this.beyondLimit(now);
    if (!this.inflight) {
      if (this.lastFailure !== undefined) {
        // No fetch has succeeded since the last failure: the kid may be a new key we could not load.
        if (now < this.backoffUntil) throw this.unavailable(now);
      } else if (kid === undefined || now - this.cooldownFrom < this.settings.cooldownMs) {
        throw new InvalidTokenError("unknown_key", this.settings.realm);
      }
      publishKeySetEvent({ type: "kid_miss", issuer: this.settings.issuer, url: this.jwksUri });
    }
    return this.fetchThenMatch(kid);
  }

  private async fetchThenMatch(kid: string | undefined): Promise<readonly KeyRecord[]> {
    const pending = this.refresh();
    const startedAt = this.inflightStartedAt;
    try {
      await pending;
    } catch (error) {
      throw this.unavailable(this.settings.clock(), error);
    }
    const found = this.match(kid);
    if (found.length > 0) return found;
    // This fetch succeeded and the kid is not in it: the cooldown runs from here.
    this.cooldownFrom = Math.max(this.cooldownFrom, startedAt);
    if (kid !== undefined && this.overflowKids.has(kid)) throw this.beyondLimit(this.settings.clock());
    throw new InvalidTokenError("unknown_key", this.settings.realm);
  }

  /** 503 for a kid that is in the set beyond MAX_USABLE_KEYS: it exists, we declined to hold it. */
  private beyondLimit(now: number): KeysUnavailableError {
    const wait = Math.min(Math.max(0, this.freshUntil - now), this.settings.maxBackoffMs);
    return new KeysUnavailableError(
      "jwks_key_limit",
      wait / 1000,
      undefined,
      `the key is in the JWKS beyond its first ${MAX_USABLE_KEYS} usable keys`,
    );
  }

  private refreshInBackground(now: number): void {
    if (this.inflight || now < this.backoffUntil) return;
    this.refresh().catch(() => undefined);
  }

  private refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflightStartedAt = this.settings.clock();
      this.inflight = this.fetchKeySet().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private report(event: Omit<KeyErrorEvent, "issuer">): void {
    try {
      this.settings.onKeyError?.({ issuer: this.settings.issuer, ...event });
    } catch {
      // A logging hook that throws must not turn into a failed key fetch.
    }
  }

  private fetchKeySet(): Promise<void> {
    if (!keysFetchTrace.hasSubscribers) return this.fetchKeySetUntraced();
    return keysFetchTrace.tracePromise(() => this.fetchKeySetUntraced(), {
      issuer: this.settings.issuer,
      url: this.jwksUri,
    });
  }

  private async fetchKeySetUntraced(): Promise<void> {
    const { settings } = this;
    // One deadline for the whole load: every discovery hop and the JWKS request share it.
    const fetchOptions = {
      ...settings.fetchOptions,
      signal: AbortSignal.timeout(settings.fetchOptions.timeoutMs),
    };
    let url = this.jwksUri;
    try {
      url ??= this.jwksUri = await discoverJwksUri(settings.issuer, settings.metadataUrl, fetchOptions);
      const fetched = await fetchJson(url, { ...fetchOptions, stage: "jwks" });
      const previous = new Map(this.all.map((record) => [record.fingerprint, record]));
      const set = await importKeySet(fetched.body, url, settings.limits, previous);
      const rotated = this.install(set, fetched);
      this.failures = 0;
      this.backoffUntil = Number.NEGATIVE_INFINITY;
      this.lastFailure = undefined;
      const keys = set.records.length;
      publishKeySetEvent({ type: "fetched", issuer: settings.issuer, url: fetched.url, keys });
      if (rotated) publishKeySetEvent({ type: "rotated", issuer: settings.issuer, url: fetched.url, keys });
    } catch (error) {
      const failure =
        error instanceof KeyFetchError
          ? error
          : new KeyFetchError("jwks_unexpected", "the key set could not be loaded", { url, cause: error });
      this.failures++;
      const nominal = Math.min(settings.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
      // RFC 9110 §10.2.3: the provider's Retry-After is the least we wait, up to maxBackoffMs.
      const asked = Math.min(settings.maxBackoffMs, failure.retryAfterMs ?? 0);
      this.backoffUntil = settings.clock() + Math.max(shortenAtRandom(nominal, BACKOFF_JITTER), asked);
      this.lastFailure = failure;
      // A discovered location is looked up again only once the JWKS is gone from it.
      if (settings.jwksUri === undefined && this.jwksUri !== undefined && isGone(failure))
        this.jwksUri = undefined;
      this.report({ url: failure.url ?? url, reason: failure.reason, detail: failure.detail });
      const failedUrl = failure.url ?? url;
      publishKeySetEvent({ type: "failed", issuer: settings.issuer, url: failedUrl, reason: failure.reason });
      publishKeySetEvent({
        type: "backoff",
        issuer: settings.issuer,
        url: failedUrl,
        reason: failure.reason,
        retryInMs: this.backoffUntil - settings.clock(),
      });
      throw failure;
    }
  }

  /** Installs a fetched set; returns true when a key was added or retired since the last one (a rotation). */
  private install(set: ImportedKeySet, fetched: FetchedJson): boolean {
    const { freshness, clock, maxStaleMs } = this.settings;
    for (const refusal of set.refusals) {
      if (this.reportedRefusals.has(refusal.fingerprint)) continue;
      this.reportedRefusals.add(refusal.fingerprint);
      this.report({ url: fetched.url, reason: refusal.reason, detail: refusal.detail, kid: refusal.kid });
    }
    if (set.overflow.count > 0 && set.overflow.count !== this.reportedOverflow) {
      this.report({
        url: fetched.url,
        reason: "jwks_key_limit",
        detail: `${fetched.url} holds ${set.overflow.count} usable keys beyond the first ${MAX_USABLE_KEYS}; they are not used`,
      });
    }
    this.reportedOverflow = set.overflow.count;
    // Keep the record of a key whose material did not change, so tokens it verified stay cached.
    const kept = new Set(set.records);
    const before = new Set(this.all);
    const rotated =
      this.loaded &&
      (set.records.length !== this.all.length || set.records.some((record) => !before.has(record)));
    for (const record of this.all) if (!kept.has(record)) record.retired = true;
    const byKid = new Map<string, KeyRecord[]>();
    for (const record of set.records) {
      if (record.kid === undefined) continue;
      const list = byKid.get(record.kid);
      if (list) list.push(record);
      else byKid.set(record.kid, [record]);
    }
    this.all = set.records;
    this.byKid = byKid;
    this.overflowKids = set.overflow.kids;
    // RFC 9111 §4.2.3: what the answer spent in caches (`Age`) is no longer fresh for us.
    const maxAge =
      fetched.maxAgeSeconds === undefined
        ? undefined
        : Math.max(0, fetched.maxAgeSeconds - fetched.ageSeconds);
    const ttl = maxAge === undefined ? freshness.defaultMs : maxAge * 1000;
    const lifetime = shortenAtRandom(
      Math.min(freshness.maxMs, Math.max(freshness.minMs, ttl)),
      FRESHNESS_JITTER,
    );
    this.freshUntil = clock() + lifetime;
    this.usableUntil = this.freshUntil + maxStaleMs;
    this.loaded = true;
    return rotated;
  }
}
