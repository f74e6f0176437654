/**
 * The small parts of introspection, one at a time: the budget's token bucket on a frozen clock, the
 * bounded answer cache, the cache key, the RFC 6749 §2.3.1 Basic encoding, Retry-After, the shape
 * check on shared-cache values, and which tokens count as opaque.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GenerationalCache } from "../../src/cache/generational-cache.js";
import { isStoredAnswer } from "../../src/introspection/answer.js";
import { Backoff } from "../../src/introspection/backoff.js";
import { introspectionKey } from "../../src/introspection/cache-key.js";
import { isOpaqueToken } from "../../src/introspection/introspector.js";
import { basicCredentials, parseRetryAfter } from "../../src/introspection/request.js";
import { createOutboundBudget } from "../../src/outbound/budget.js";

describe("the outbound budget", () => {
  it("lets a burst through, then one request per 1/rate seconds, per origin", () => {
    let now = 1_000_000;
    const budget = createOutboundBudget({ requestsPerSecond: 2, burst: 3 }, () => now);
    const a = "https://idp.example.com/token/introspection";
    expect([budget.take(a), budget.take(a), budget.take(`${a}?x`)]).toEqual([0, 0, 0]);
    // Spent: the next request may go in 500 ms (2 per second).
    expect(budget.take(a)).toBe(500);
    // Another origin has a budget of its own.
    expect(budget.take("https://other.example.com/jwks")).toBe(0);
    now += 250;
    expect(budget.take(a)).toBe(250);
    now += 250;
    expect(budget.take(a)).toBe(0);
    expect(budget.take(a)).toBe(500);
    // A long quiet period refills the bucket up to the burst, never beyond.
    now += 60_000;
    expect([budget.take(a), budget.take(a), budget.take(a), budget.take(a)]).toEqual([0, 0, 0, 500]);
  });
});

describe("the backoff after failed requests", () => {
  it("waits 1 s, doubling per failure up to maxBackoffMs, and forgets after a success", () => {
    const backoff = new Backoff(5_000);
    expect(backoff.remainingMs(0)).toBeLessThanOrEqual(0);
    expect(backoff.failed(0, 0, undefined)).toBe(1_000);
    expect(backoff.remainingMs(400)).toBe(600);
    expect(backoff.failed(1_000, 1_000, undefined)).toBe(2_000);
    expect(backoff.failed(3_000, 3_000, undefined)).toBe(4_000);
    expect(backoff.failed(7_000, 7_000, undefined)).toBe(5_000);
    backoff.succeeded();
    expect(backoff.remainingMs(7_001)).toBeLessThanOrEqual(0);
    expect(backoff.failed(8_000, 8_000, undefined)).toBe(1_000);
  });

  it("counts requests that were in flight together as one failure", () => {
    const backoff = new Backoff(30_000);
    // Ten requests sent at 0 fail at 100..109: one failure, 1 s.
    for (let i = 0; i < 10; i++) backoff.failed(0, 100 + i, undefined);
    expect(backoff.remainingMs(109)).toBe(1_000);
  });

  it("honours the provider's Retry-After, up to 5 minutes", () => {
    const backoff = new Backoff(30_000);
    expect(backoff.failed(0, 0, 7_000)).toBe(7_000);
    expect(new Backoff(30_000).failed(0, 0, 86_400_000)).toBe(300_000);
  });
});

describe("the in-process answer cache", () => {
  const entry = (untilMs: number, size = 10) => ({ untilMs, size });

  it("serves an entry until its time, then forgets it", () => {
    const cache = new GenerationalCache(10, 1000);
    cache.set("k", entry(2000));
    expect(cache.get("k", 1999)).toEqual(entry(2000));
    expect(cache.get("k", 2000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("never holds more entries or bytes than its bounds", () => {
    const cache = new GenerationalCache(100, 5_000);
    for (let i = 0; i < 1_000; i++) {
      cache.set(`k${i}`, entry(1e12, 40));
      expect(cache.size).toBeLessThanOrEqual(100);
      expect(cache.byteSize).toBeLessThanOrEqual(5_000);
    }
    // The most recent entries are kept.
    expect(cache.get("k999", 0)).toBeDefined();
    const bytes = new GenerationalCache(1_000, 400);
    for (let i = 0; i < 100; i++) bytes.set(`k${i}`, entry(1e12, 100));
    expect(bytes.byteSize).toBeLessThanOrEqual(400);
    // An entry larger than the whole cache is not kept at all.
    bytes.set("huge", entry(1e12, 401));
    expect(bytes.get("huge", 0)).toBeUndefined();
  });
});

describe("pieces of the request", () => {
  it("keys the cache on base64url(sha256(token)), never the token", () => {
    const token = "2YotnFZFEjr1zCsicMWpAA";
    const key = introspectionKey(token);
    expect(key).toBe(`introspection:${createHash("sha256").update(token).digest("base64url")}`);
    expect(key).not.toContain(token);
  });

  it("form-urlencodes the client id and secret before base64 (RFC 6749 §2.3.1)", () => {
    const header = basicCredentials("orders api", "p@ss:wörd+/%");
    const decoded = Buffer.from(header.slice("Basic ".length), "base64").toString("utf8");
    expect(decoded).toBe("orders+api:p%40ss%3Aw%C3%B6rd%2B%2F%25");
    expect(basicCredentials("orders-api", "s3cret")).toBe(
      `Basic ${Buffer.from("orders-api:s3cret").toString("base64")}`,
    );
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter("Tue, 01 Dec 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 01 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("treats a token as opaque unless it has exactly three dot-separated parts", () => {
    expect(isOpaqueToken("2YotnFZFEjr1zCsicMWpAA")).toBe(true);
    expect(isOpaqueToken("a.b")).toBe(true);
    expect(isOpaqueToken("a.b.c.d.e")).toBe(true); // a JWE: only its issuer can read it
    expect(isOpaqueToken("a.b.c")).toBe(false);
    expect(isOpaqueToken("..")).toBe(false);
  });

  it("accepts only well-formed version-1 answers from a shared cache", () => {
    const members = { active: true, exp: 2e9 };
    expect(isStoredAnswer({ v: 1, active: true, until: 1, members })).toBe(true);
    expect(isStoredAnswer({ v: 1, active: false, until: 1 })).toBe(true);
    expect(isStoredAnswer({ v: 2, active: true, until: 1, members })).toBe(false);
    expect(isStoredAnswer({ v: 1, active: "true", until: 1, members })).toBe(false);
    expect(isStoredAnswer({ v: 1, active: true, until: "1", members })).toBe(false);
    expect(isStoredAnswer({ v: 1, active: true, until: 1 })).toBe(false);
    expect(isStoredAnswer({ v: 1, active: true, until: 1, members: { active: false } })).toBe(false);
    expect(isStoredAnswer(null)).toBe(false);
    expect(isStoredAnswer("{}")).toBe(false);
  });
});
