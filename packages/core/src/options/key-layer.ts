/**
 * Options of the key layer that are not about where keys come from: the steady clock's source
 * (`monotonicNow`, a test hook) and the largest RSA modulus a key set may hold (`maxRsaModulusBits`).
 * Validated once here; resolve-options.ts only calls this.
 */
import {
  DEFAULT_MAX_RSA_MODULUS_BITS,
  MAX_RSA_MODULUS_BITS_LIMIT,
  MIN_RSA_MODULUS_BITS,
} from "./algorithms.js";

export interface ResolvedKeyLayer {
  /** The source of the key layer's steady clock; undefined for `performance.now()`. */
  readonly monotonicNow: (() => number) | undefined;
  readonly maxRsaModulusBits: number;
}

function fail(message: string): never {
  throw new TypeError(`resource-guard: ${message}`);
}

export function resolveKeyLayer(input: {
  monotonicNow?: unknown;
  maxRsaModulusBits?: unknown;
}): ResolvedKeyLayer {
  const { monotonicNow, maxRsaModulusBits } = input;
  if (monotonicNow !== undefined && typeof monotonicNow !== "function")
    fail(
      `"monotonicNow" must be a function returning milliseconds on a clock that never steps (a test hook)`,
    );
  let bits = DEFAULT_MAX_RSA_MODULUS_BITS;
  if (maxRsaModulusBits !== undefined) {
    if (
      typeof maxRsaModulusBits !== "number" ||
      !Number.isInteger(maxRsaModulusBits) ||
      maxRsaModulusBits < MIN_RSA_MODULUS_BITS ||
      maxRsaModulusBits > MAX_RSA_MODULUS_BITS_LIMIT
    ) {
      fail(
        `"maxRsaModulusBits" must be a whole number from ${MIN_RSA_MODULUS_BITS} to ${MAX_RSA_MODULUS_BITS_LIMIT}, got ${String(maxRsaModulusBits)}`,
      );
    }
    bits = maxRsaModulusBits;
  }
  return Object.freeze({ monotonicNow: monotonicNow as (() => number) | undefined, maxRsaModulusBits: bits });
}
