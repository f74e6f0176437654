import { afterEach, describe, expect, it, vi } from "vitest";
import { isStaleConnection } from "../../src/keys/fetch-json.js";
import { createSteadyClock, shortenAtRandom } from "../../src/keys/steady-clock.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createSteadyClock", () => {
  it("follows its source forward and holds when the source steps back", () => {
    let raw = 1000;
    const clock = createSteadyClock(() => raw);
    expect(clock()).toBe(1000);
    raw = 1500;
    expect(clock()).toBe(1500);
    raw = 1500 - 7_200_000; // two hours back
    expect(clock()).toBe(1500);
    raw += 250;
    expect(clock()).toBe(1750);
    raw += 3_600_000; // forward steps are time passing
    expect(clock()).toBe(3_601_750);
  });

  it("ignores readings that are not finite numbers", () => {
    let raw: number = 10;
    const clock = createSteadyClock(() => raw);
    raw = Number.NaN;
    expect(clock()).toBe(10);
    raw = 20;
    expect(clock()).toBe(20);
  });

  it("runs on performance.now() by default", () => {
    const clock = createSteadyClock();
    const a = clock();
    const b = clock();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - performance.now())).toBeLessThan(60_000);
  });
});

describe("shortenAtRandom", () => {
  it("shortens by at most the spread and never lengthens", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect(shortenAtRandom(1000, 0.5)).toBe(1000);
    vi.spyOn(Math, "random").mockReturnValue(0.999_999);
    expect(shortenAtRandom(1000, 0.5)).toBeCloseTo(500, 2);
    expect(shortenAtRandom(600_000, 0.2)).toBeCloseTo(480_000, 0);
  });
});

describe("isStaleConnection", () => {
  const fetchFailed = (code: string) =>
    new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });

  it.each(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "ECONNABORTED"])("retries %s", (code) => {
    expect(isStaleConnection(fetchFailed(code))).toBe(true);
    expect(isStaleConnection(Object.assign(new Error("x"), { code }))).toBe(true);
  });

  it.each(["ECONNREFUSED", "ENOTFOUND", "UND_ERR_CONNECT_TIMEOUT", "ABORT_ERR"])(
    "does not retry %s",
    (code) => {
      expect(isStaleConnection(fetchFailed(code))).toBe(false);
    },
  );

  it("does not retry values that are not errors", () => {
    expect(isStaleConnection(undefined)).toBe(false);
    expect(isStaleConnection("ECONNRESET")).toBe(false);
  });
});
