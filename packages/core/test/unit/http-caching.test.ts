import { describe, expect, it } from "vitest";
import { parseAge, parseMaxAge, parseRetryAfter } from "../../src/keys/http-caching.js";

describe("parseMaxAge (RFC 9111 §5.2.2.1)", () => {
  it.each([
    [null, undefined],
    ["public, max-age=600", 600],
    ['max-age="60"', 60],
    ["no-cache", 0],
    ["max-age=600, no-store", 0],
    ["s-maxage=10", undefined],
  ])("reads %s as %s", (header, seconds) => {
    expect(parseMaxAge(header)).toBe(seconds);
  });
});

describe("parseAge (RFC 9111 §5.1)", () => {
  it.each([
    [null, 0],
    ["590", 590],
    [" 12 ", 12],
    ["-3", 0],
    ["1.5", 0],
    ["soon", 0],
  ])("reads %s as %i", (header, seconds) => {
    expect(parseAge(header)).toBe(seconds);
  });
});

describe("parseRetryAfter (RFC 9110 §10.2.3)", () => {
  const now = Date.parse("Tue, 01 Dec 2026 10:00:00 GMT");

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("20", null, now)).toBe(20_000);
    expect(parseRetryAfter("0", null, now)).toBe(0);
  });

  it("measures an HTTP-date from the answer's Date header, so a skewed local clock does not matter", () => {
    const served = "Tue, 01 Dec 2026 09:00:00 GMT"; // the provider's clock is an hour behind ours
    expect(parseRetryAfter("Tue, 01 Dec 2026 09:00:30 GMT", served, now)).toBe(30_000);
  });

  it("measures an HTTP-date from the wall clock when the answer has no usable Date header", () => {
    expect(parseRetryAfter("Tue, 01 Dec 2026 10:00:45 GMT", null, now)).toBe(45_000);
    expect(parseRetryAfter("Tue, 01 Dec 2026 10:00:45 GMT", "garbage", now)).toBe(45_000);
  });

  it("never returns a negative wait, and ignores what it cannot read", () => {
    expect(parseRetryAfter("Tue, 01 Dec 2026 09:59:00 GMT", null, now)).toBe(0);
    expect(parseRetryAfter(null, null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", null, now)).toBeUndefined();
    expect(parseRetryAfter("-5", null, now)).toBeUndefined();
  });
});
