/**
 * A fleet of 50 verifiers created together, against one test IdP on 127.0.0.1 (issue 10). Without
 * jitter they would refresh their keys in the same instant every round, and after an outage retry in
 * the same instant every round: 50 requests in one 100 ms window, again and again. With freshness
 * shortened by up to 20 % and each backoff wait by up to half, at random, the fleet spreads out.
 *
 * All 50 share one test clock (wall and monotonic), stepped 100 ms at a time; at each step every
 * verifier serves a request, and every fetch that step started is allowed to finish before the next
 * step. The IdP stamps each JWKS request with the test clock, and the test counts them per 100 ms
 * window. Set FLEET_REPORT=1 to print the windows.
 */
import { createVerifier, type Verifier } from "@resource-guard/core";
import { afterEach, describe, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../support/idp.js";
import { AUDIENCE, goodClaims } from "./forge.js";

const FLEET = 50;
const STEP_MS = 100;
let idp: TestIdp | undefined;

afterEach(async () => {
  await idp?.close();
  idp = undefined;
});

/** Fetches started and not yet finished (body read), so a step can wait for all of them. */
function trackedFetch() {
  const inflight = new Set<Promise<unknown>>();
  const tracked = (url: string, init: RequestInit): Promise<Response> => {
    const done = fetch(url, init).then(async (response) => {
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, headers: response.headers });
    });
    inflight.add(done);
    done.then(
      () => inflight.delete(done),
      () => inflight.delete(done),
    );
    return done;
  };
  const settle = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
    // Let each verifier finish installing (or failing) after its response.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { tracked, settle };
}

async function startFleet(cacheControl: string | undefined, maxBackoffMs = 30_000) {
  idp = await startTestIdp({ algs: ["ES256"], cacheControl });
  const server = idp;
  let t = 0;
  const base = Date.now();
  server.clock = () => t;
  const { tracked, settle } = trackedFetch();
  const fleet: Verifier[] = Array.from({ length: FLEET }, () =>
    createVerifier({
      issuer: server.issuer,
      audience: AUDIENCE,
      jwksUri: server.jwksUri,
      maxBackoffMs,
      fetch: tracked,
      now: () => base + t,
      monotonicNow: () => t,
    }),
  );
  const token = await server.sign(goodClaims(server, { exp: Math.floor(base / 1000) + 3600 }, base));
  /** Every verifier serves one request; returns when the fetches they started have finished. */
  const serve = async () => {
    await Promise.all(fleet.map((v) => v.verify(token).catch(() => undefined)));
    await settle();
  };
  const step = () => {
    t += STEP_MS;
  };
  return { server, serve, step, now: () => t };
}

/** JWKS requests per 100 ms window after `from`, keyed by window start. */
function perWindow(server: TestIdp, from: number): Map<number, number> {
  const windows = new Map<number, number>();
  for (const { path, at } of server.log) {
    if (path !== server.jwksPath || at <= from) continue;
    const start = Math.floor((at - 1) / STEP_MS) * STEP_MS;
    windows.set(start, (windows.get(start) ?? 0) + 1);
  }
  return windows;
}

function report(label: string, windows: Map<number, number>) {
  if (!process.env.FLEET_REPORT) return;
  const counts = [...windows].sort(([a], [b]) => a - b).map(([at, n]) => `${(at / 1000).toFixed(1)}s:${n}`);
  console.log(label, `max ${Math.max(...windows.values())} in ${windows.size} windows`, counts.join(" "));
}

describe("a fleet of 50 verifiers created together", () => {
  it("spreads its routine refreshes: max-age=60 gives refreshes over 48 to 60 s, not one window", async () => {
    const { server, serve, step, now } = await startFleet("max-age=60");
    await serve(); // the cold load: all 50 at once, by construction
    expect(server.jwksHits).toBe(FLEET);
    while (now() < 61_000) {
      step();
      await serve();
    }
    const windows = perWindow(server, 0);
    report("refreshes", windows);
    const refreshes = [...windows.values()].reduce((a, b) => a + b, 0);
    expect(refreshes).toBe(FLEET); // each refreshed once
    expect(Math.min(...windows.keys())).toBeGreaterThanOrEqual(47_900);
    // Uniform over ~120 windows: a window with 9 or more is a one-in-ten-million event.
    expect(Math.max(...windows.values())).toBeLessThanOrEqual(8);
    expect(windows.size).toBeGreaterThanOrEqual(20);
  });

  it("spreads its retries while the provider is down: no window near 50 after the first", async () => {
    const { server, serve, step, now } = await startFleet(undefined, 4000);
    server.fault = "status-500";
    await serve();
    expect(server.jwksHits).toBe(FLEET);
    while (now() < 20_000) {
      step();
      await serve();
    }
    const windows = perWindow(server, 0);
    report("retries", windows);
    const retries = [...windows.values()].reduce((a, b) => a + b, 0);
    // Nominal waits 1, 2, 4, 4… s: about six retries each in 20 s, never more than 20 / 0.5.
    expect(retries).toBeGreaterThanOrEqual(FLEET * 5);
    expect(retries).toBeLessThanOrEqual(FLEET * 12);
    // Without jitter every round lands in one window (50). The first round spreads over 500 ms
    // (about 10 a window); later rounds spread further.
    expect(Math.max(...windows.values())).toBeLessThanOrEqual(25);
    const later = [...windows].filter(([at]) => at >= 1000).map(([, n]) => n);
    expect(Math.max(...later)).toBeLessThanOrEqual(12);
    expect(windows.size).toBeGreaterThanOrEqual(40);
  });
});
