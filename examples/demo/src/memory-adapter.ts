/**
 * Storage for the demo authorization server. oidc-provider persists its artefacts (grants, opaque
 * tokens, replay-detection entries) through an adapter; without one it falls back to a built-in store
 * and warns on every start that it is for development only. The demo *is* a development setup that
 * lives exactly as long as its process, so it says so explicitly with this per-server in-memory store,
 * which keeps the transcript free of that warning without hiding any other message.
 */
import type { Adapter, AdapterFactory, AdapterPayload } from "oidc-provider";

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * Returns an adapter factory whose adapters share one fresh `Map` (one per authorization server).
 *
 * @example
 * new Provider(issuer, { adapter: createMemoryAdapter(), ... });
 */
export function createMemoryAdapter(): AdapterFactory {
  const entries = new Map<string, Entry>();

  const read = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };

  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    const findBy = (field: "uid" | "userCode", value: string) => {
      for (const [stored, entry] of entries) {
        if (stored.startsWith(`${model}:`) && entry.payload[field] === value) return read(stored);
      }
      return undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = expiresIn > 0 ? Date.now() + expiresIn * 1000 : undefined;
        entries.set(key(id), { payload, expiresAt });
      },
      async find(id) {
        return read(key(id));
      },
      async findByUid(uid) {
        return findBy("uid", uid);
      },
      async findByUserCode(userCode) {
        return findBy("userCode", userCode);
      },
      async consume(id) {
        const payload = read(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [stored, entry] of entries) {
          if (entry.payload.grantId === grantId) entries.delete(stored);
        }
      },
    };
  };
}
