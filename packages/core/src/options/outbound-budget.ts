/**
 * Validates the `outboundBudget` option: how many requests per second this verifier may send to each
 * identity provider (origin), for keys and introspection together. The default, 20 requests/s with a
 * burst of 40, keeps one process well under the ~50 requests/s per IP at which providers start
 * refusing (and then blocking) a client; a fleet of N processes sends at most N times that.
 */
import type { OutboundBudgetSettings } from "../outbound/budget.js";
import type { OutboundBudgetOptions } from "../types.js";

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

function positive(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max)
    fail(`"${name}" must be a number above 0 and at most ${max}, got ${String(value)}`);
  return value;
}

/**
 * Validates `input` and applies the defaults.
 * @example resolveOutboundBudget({ requestsPerSecond: 10 }); // { requestsPerSecond: 10, burst: 40 }
 */
export function resolveOutboundBudget(input: OutboundBudgetOptions | undefined): OutboundBudgetSettings {
  const value = input ?? {};
  if (value === null || typeof value !== "object" || Array.isArray(value))
    fail(`"outboundBudget" must be { requestsPerSecond, burst }`);
  for (const name of Object.keys(value)) {
    if (name !== "requestsPerSecond" && name !== "burst")
      fail(`unknown option "${name}" in outboundBudget; known options are: requestsPerSecond, burst`);
  }
  const requestsPerSecond = positive(value.requestsPerSecond, "outboundBudget.requestsPerSecond", 20, 10_000);
  const burst = positive(value.burst, "outboundBudget.burst", Math.max(40, requestsPerSecond), 100_000);
  if (burst < 1) fail(`"outboundBudget.burst" must be at least 1, got ${burst}`);
  return Object.freeze({ requestsPerSecond, burst });
}
