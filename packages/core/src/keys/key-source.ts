/**
 * A KeySource answers "which keys may have signed this token?" for one key set. The JWKS source keeps
 * its own cache over fetchJson:
 * - freshness from `Cache-Control: max-age`, clamped (`keyFreshness`); a stale set keeps answering
 *   while one background refresh runs, so requests never wait on a routine refresh;
 * - one fetch in flight at a time, shared by every waiter (100 cold requests cause one fetch);
 * - an unknown `kid` causes at most one refetch per `cooldownMs` (rotation is picked up at once, a
 *   flood of random kids costs one request per window);
 * - after a failure, backoff (1 s doubling to `maxBackoffMs`) during which nothing is fetched and
 *   requests that need a fetch get 503 with `Retry-After`; known keys keep working for `maxStaleMs`
 *   past their freshness (stale-if-error);
 * - "the provider is unavailable" (503) is kept apart from "no such key" (401 `invalid_token`).
 */
import { InvalidTokenError, KeysUnavailableError } from "../errors/bearer-error.js";
import { keysFetchTrace, publishKeySetEvent } from "../observe/channels.js";
import type { ResolvedFreshness } from "../options/resolved-options.js";
import type { KeyErrorEvent } from "../types.js";
import { discoverJwksUri } from "./discovery.js";
import { type FetchJsonOptions, fetchJson, KeyFetchError } from "./fetch-json.js";
import { importVerificationKey, type KeyRecord } from "./import-key.js";

/** Most keys imported from one JWKS; real sets hold two or three. */
const MAX_KEYS = 100;

export interface KeySource {
  /** Keys that may have signed a token with this `kid`: synchronous when known, a promise when a fetch is needed. */
  getKeys(kid: string | undefined): readonly KeyRecord[] | Promise<readonly KeyRecord[]>;
  /** Starts a background refresh when the keys are past their freshness (cache hits call this). */
  refreshIfStale(nowMs: number): void;
  /** Loads the keys now; rejects with a KeyFetchError whose message says what is wrong. */
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
  now: () => number;
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
  private loaded = false;
  private freshUntil = 0;
  private usableUntil = 0;
  private inflight: Promise<void> | undefined;
  private failures = 0;
  private backoffUntil = 0;
  private lastUnknownKidRefetch = Number.NEGATIVE_INFINITY;
  private jwksUri: string | undefined;

  constructor(private readonly settings: JwksKeySourceSettings) {
    this.jwksUri = settings.jwksUri;
  }

  getKeys(kid: string | undefined): readonly KeyRecord[] | Promise<readonly KeyRecord[]> {
    const now = this.settings.now();
    if (!this.loaded || now > this.usableUntil) return this.loadThenMatch(kid, now);
    if (now > this.freshUntil) this.refreshInBackground(now);
    const found = this.match(kid);
    return found.length > 0 ? found : this.afterMiss(kid, now);
  }

  refreshIfStale(nowMs: number): void {
    if (this.loaded && nowMs > this.freshUntil) this.refreshInBackground(nowMs);
  }

  async warmup(): Promise<void> {
    if (!this.loaded) await this.refresh();
  }

  private match(kid: string | undefined): readonly KeyRecord[] {
    if (kid === undefined) return this.all;
    return this.byKid.get(kid) ?? [];
  }

  private unavailable(now: number, cause?: unknown): KeysUnavailableError {
    const reason = cause instanceof KeyFetchError ? cause.reason : "key set unavailable";
    return new KeysUnavailableError(reason, (this.backoffUntil - now) / 1000, cause);
  }

  private async loadThenMatch(kid: string | undefined, now: number): Promise<readonly KeyRecord[]> {
    if (!this.inflight && now < this.backoffUntil) throw this.unavailable(now);
    return this.refreshThenMatch(kid);
  }

  private async afterMiss(kid: string | undefined, now: number): Promise<readonly KeyRecord[]> {
    if (!this.inflight) {
      // The provider is failing: a key we do not know may be a legitimate new one, so 503, not 401.
      if (now < this.backoffUntil) throw this.unavailable(now);
      if (kid === undefined || now - this.lastUnknownKidRefetch < this.settings.cooldownMs) {
        throw new InvalidTokenError("unknown_key", this.settings.realm);
      }
      this.lastUnknownKidRefetch = now;
      publishKeySetEvent({ type: "kid_miss", issuer: this.settings.issuer, url: this.jwksUri });
    }
    return this.refreshThenMatch(kid);
  }

  private async refreshThenMatch(kid: string | undefined): Promise<readonly KeyRecord[]> {
    try {
      await this.refresh();
    } catch (error) {
      throw this.unavailable(this.settings.now(), error);
    }
    const found = this.match(kid);
    if (found.length === 0) throw new InvalidTokenError("unknown_key", this.settings.realm);
    return found;
  }

  private refreshInBackground(now: number): void {
    if (this.inflight || now < this.backoffUntil) return;
    this.refresh().catch(() => undefined);
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.fetchKeySet().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
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
    let url = this.jwksUri;
    try {
      url ??= this.jwksUri = await discoverJwksUri(
        settings.issuer,
        settings.metadataUrl,
        settings.fetchOptions,
      );
      const { body, maxAgeSeconds } = await fetchJson(url, settings.fetchOptions);
      const records = await importKeySet(body, url);
      const rotated = this.install(records, maxAgeSeconds);
      this.failures = 0;
      this.backoffUntil = 0;
      publishKeySetEvent({ type: "fetched", issuer: settings.issuer, url, keys: records.length });
      if (rotated)
        publishKeySetEvent({ type: "rotated", issuer: settings.issuer, url, keys: records.length });
    } catch (error) {
      this.failures++;
      this.backoffUntil = settings.now() + Math.min(settings.maxBackoffMs, 1000 * 2 ** (this.failures - 1));
      // A discovered location may have moved: look it up again next time.
      if (settings.jwksUri === undefined) this.jwksUri = undefined;
      const reason = error instanceof KeyFetchError ? error.reason : "key set could not be loaded";
      settings.onKeyError?.({ issuer: settings.issuer, url, reason });
      publishKeySetEvent({ type: "failed", issuer: settings.issuer, url, reason });
      publishKeySetEvent({
        type: "backoff",
        issuer: settings.issuer,
        url,
        reason,
        retryInMs: this.backoffUntil - settings.now(),
      });
      throw error instanceof KeyFetchError ? error : new KeyFetchError(reason, { cause: error });
    }
  }

  /** Installs a fetched set; returns true when a key was added or retired (a rotation). */
  private install(records: KeyRecord[], maxAgeSeconds: number | undefined): boolean {
    const { freshness, now, maxStaleMs } = this.settings;
    // Keep the record of a key whose material did not change, so tokens it verified stay cached.
    const previous = new Map(this.all.map((record) => [record.fingerprint, record]));
    const next = records.map((record) => previous.get(record.fingerprint) ?? record);
    const kept = new Set(next);
    const rotated =
      this.loaded &&
      (next.length !== this.all.length || next.some((record) => !previous.has(record.fingerprint)));
    for (const record of this.all) if (!kept.has(record)) record.retired = true;
    const byKid = new Map<string, KeyRecord[]>();
    for (const record of next) {
      if (record.kid === undefined) continue;
      const list = byKid.get(record.kid);
      if (list) list.push(record);
      else byKid.set(record.kid, [record]);
    }
    this.all = next;
    this.byKid = byKid;
    const ttl = maxAgeSeconds === undefined ? freshness.defaultMs : maxAgeSeconds * 1000;
    this.freshUntil = now() + Math.min(freshness.maxMs, Math.max(freshness.minMs, ttl));
    this.usableUntil = this.freshUntil + maxStaleMs;
    this.loaded = true;
    return rotated;
  }
}

/** Imports the usable keys of a JWKS document; a set with none is a failed fetch, not an empty set. */
async function importKeySet(body: unknown, url: string): Promise<KeyRecord[]> {
  const keys = body !== null && typeof body === "object" ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new KeyFetchError(`${url} is not a JWK Set (no "keys" array)`);
  const records = (await Promise.all(keys.slice(0, MAX_KEYS).map(importVerificationKey))).filter(
    (record): record is KeyRecord => record !== undefined,
  );
  if (records.length === 0) throw new KeyFetchError(`${url} holds no usable signature verification key`);
  return records;
}
