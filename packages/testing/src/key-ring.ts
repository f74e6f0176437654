/**
 * The keys of a test issuer and the JWK Set (RFC 7517 §5) it publishes. One current key per published
 * algorithm signs new tokens; `rotate()` makes new current keys and keeps the previous ones published
 * for a grace period, as identity providers do so that tokens already issued stay verifiable. Keys that
 * are never published (for "signed by a key not in the JWKS" tokens) live here too, apart from the set.
 */
import type { JWK } from "jose";
import { generateSigningKey, type SigningKey, type TestAlgorithm } from "./algorithms.js";

export interface RotateOptions {
  /**
   * How long the previous keys stay in the JWKS, in milliseconds. Default: until `retire()` or the
   * next `rotate()`, so a test decides the moment; `0` removes them at once (a hard rotation).
   */
  graceMs?: number;
}

export class KeyRing {
  private readonly current = new Map<TestAlgorithm, SigningKey>();
  /** Previous keys still published. */
  private published: SigningKey[] = [];
  /** The last previous key per algorithm, kept after retirement so tests can sign "old" tokens. */
  private readonly previous = new Map<TestAlgorithm, SigningKey>();
  private readonly unpublished = new Map<string, Promise<SigningKey>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private generation = 1;

  private constructor(private readonly extraJwks: readonly JWK[]) {}

  static async create(
    algorithms: readonly TestAlgorithm[],
    extraJwks: readonly JWK[] = [],
  ): Promise<KeyRing> {
    const ring = new KeyRing(extraJwks);
    const keys = await Promise.all(algorithms.map((alg) => generateSigningKey(alg, ring.kidOf(alg))));
    for (const key of keys) ring.current.set(key.alg, key);
    return ring;
  }

  private kidOf(alg: TestAlgorithm): string {
    return `${alg.toLowerCase()}-${this.generation}`;
  }

  /** The algorithms that have a published current key. */
  get algorithms(): TestAlgorithm[] {
    return [...this.current.keys()];
  }

  /** The published JWK Set: current keys, previous keys in their grace period, then any extra JWKs. */
  get jwks(): { keys: JWK[] } {
    const keys = [...this.current.values(), ...this.published].map((key) => ({ ...key.publicJwk }));
    return { keys: [...keys, ...this.extraJwks.map((jwk) => ({ ...jwk }))] };
  }

  currentKey(alg: TestAlgorithm): SigningKey {
    const key = this.current.get(alg);
    if (key === undefined)
      throw new TypeError(
        `@resource-guard/testing: no ${alg} key is published; add "${alg}" to the "algorithms" option`,
      );
    return key;
  }

  previousKey(alg: TestAlgorithm): SigningKey {
    const key = this.previous.get(alg);
    if (key === undefined)
      throw new TypeError(`@resource-guard/testing: there is no previous ${alg} key; call rotate() first`);
    return key;
  }

  /** A key that is never published, one per algorithm and purpose, made on first use. */
  unpublishedKey(alg: TestAlgorithm, kid: string): Promise<SigningKey> {
    const name = `${alg} ${kid}`;
    let key = this.unpublished.get(name);
    if (key === undefined) {
      key = generateSigningKey(alg, kid);
      this.unpublished.set(name, key);
    }
    return key;
  }

  async rotate(options: RotateOptions = {}): Promise<void> {
    const { graceMs } = options;
    if (graceMs !== undefined && !(typeof graceMs === "number" && graceMs >= 0))
      throw new TypeError('@resource-guard/testing: "graceMs" must be a number of milliseconds, 0 or more');
    this.generation += 1;
    const next = await Promise.all(this.algorithms.map((alg) => generateSigningKey(alg, this.kidOf(alg))));
    // Two generations at most: keys already in their grace period leave when the next rotation starts.
    this.retire();
    const old = [...this.current.values()];
    for (const key of old) this.previous.set(key.alg, key);
    for (const key of next) this.current.set(key.alg, key);
    if (graceMs === 0) return;
    this.published = old;
    if (graceMs !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.published = this.published.filter((key) => !old.includes(key));
      }, graceMs);
      timer.unref();
      this.timers.add(timer);
    }
  }

  /** Removes the previous keys from the JWKS now. */
  retire(): void {
    this.published = [];
  }

  /** Stops the grace timers (they never keep a process alive, but a closed issuer should not change). */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
