/**
 * The DPoP replay store of the "dpop-store-down" app (cases-bound.ts): one whose `add` throws, as a
 * store whose server is down does, so core must answer 503 + Retry-After (RFC 9449 §11.1 asks for
 * replay detection; without its store a proof cannot be checked, and failing open is not an option).
 *
 * A runtime harness (Hono on Bun and Deno) hands its child process the verifier options as JSON, where
 * a function cannot go. So the store serialises to a marker, and the child revives the marker into a
 * store built by this same function: the app under test gets the very store the Node harnesses get.
 */

/** What the failing store becomes in JSON. */
export const FAILING_REPLAY_STORE = "conformance: a replay store whose add() throws";

/** A replay store that is down: every `add` throws. */
export function failingReplayStore() {
  return {
    add(): boolean {
      throw new Error("ECONNREFUSED");
    },
    toJSON: () => FAILING_REPLAY_STORE,
  };
}

/**
 * A `JSON.parse` reviver that turns the marker back into the failing store.
 * @example const options = JSON.parse(json, reviveFailingReplayStore);
 */
export function reviveFailingReplayStore(_key: string, value: unknown): unknown {
  return value === FAILING_REPLAY_STORE ? failingReplayStore() : value;
}
