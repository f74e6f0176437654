/**
 * A key set given in the options (`jwks`): nothing is fetched, ever. The keys are imported once, on
 * first use or at `warmup()`, through the same importer as fetched key sets, so the same keys are
 * refused (encryption keys, weak RSA, unknown curves). A token whose `kid` matches no key may still be
 * verified by the keys that have no `kid` (a PEM key has none).
 */
import type { JWK } from "jose";
import { InvalidTokenError } from "../errors/bearer-error.js";
import type { KeyLimits, KeyRecord } from "./import-key.js";
import { importKeySet } from "./key-set.js";
import type { KeySource } from "./key-source.js";

export class StaticKeySource implements KeySource {
  private byKid = new Map<string, KeyRecord[]>();
  private withoutKid: readonly KeyRecord[] = [];
  private all: readonly KeyRecord[] | undefined;
  private loading: Promise<readonly KeyRecord[]> | undefined;

  constructor(
    private readonly jwks: readonly JWK[],
    private readonly realm: string | undefined,
    private readonly limits: KeyLimits,
  ) {}

  getKeys(kid: string | undefined): readonly KeyRecord[] | Promise<readonly KeyRecord[]> {
    if (this.all === undefined) return this.load().then(() => this.match(kid));
    return this.match(kid);
  }

  refreshIfStale(): void {}

  async warmup(): Promise<void> {
    await this.load();
  }

  private match(kid: string | undefined): readonly KeyRecord[] {
    const found =
      kid === undefined ? (this.all as readonly KeyRecord[]) : (this.byKid.get(kid) ?? this.withoutKid);
    if (found.length === 0) throw new InvalidTokenError("unknown_key", this.realm);
    return found;
  }

  private load(): Promise<readonly KeyRecord[]> {
    // The same importer and limits as a fetched set; keys it refuses are left out (the options were
    // checked for at least one usable key at construction).
    this.loading ??= importKeySet({ keys: this.jwks }, "the jwks option", this.limits, new Map()).then(
      (set) => {
        const records = set.records;
        for (const record of records) {
          if (record.kid === undefined) continue;
          const list = this.byKid.get(record.kid);
          if (list) list.push(record);
          else this.byKid.set(record.kid, [record]);
        }
        this.withoutKid = records.filter((record) => record.kid === undefined);
        this.all = records;
        return records;
      },
    );
    return this.loading;
  }
}
