/**
 * Runs Redis commands so that a fault is an answer, not a wait. Left to their defaults, both client
 * libraries queue commands while Redis is down and wait without limit while it is paused; a request
 * that needs the replay store would then hang. Here every command:
 *
 * - fails at once while the client is not ready (connecting or reconnecting), so nothing is queued for
 *   later and the caller answers 503 right away;
 * - fails after `timeoutMs` when no reply has come (Redis paused, overloaded or unreachable);
 * - fails at once when `maxInFlight` commands are still unanswered, so a paused Redis cannot make the
 *   client buffer an unbounded pile of commands that will all run when it resumes.
 *
 * Every failure is core's StoreUnavailableError (503 with Retry-After, never `invalid_token`), with the
 * client's own error kept as `cause` and never in the message.
 */
import { StoreUnavailableError } from "@resource-guard/core";
import type { ClientAdapter } from "./client-adapter.js";

/**
 * Seconds a client is told to wait before retrying: one reconnection of either client library takes
 * 0.5 to 2.5 s, and core answers its own replay-store failures with the same 2.
 */
const RETRY_AFTER_SECONDS = 2;

/**
 * How long an unanswered command keeps its in-flight slot after it has timed out. Normally a command
 * settles (its reply, or the client's own error when the connection drops) and frees its slot; this
 * bound only keeps a client that never settles a promise from holding slots forever.
 */
const ABANDON_AFTER_MS = 30_000;

export type StoreFailure = "redis_not_ready" | "redis_timeout" | "redis_backlog" | "redis_error";

export type RunCommand = (args: readonly string[]) => Promise<unknown>;

export function unavailable(
  reason: StoreFailure | "redis_unexpected_reply",
  cause?: unknown,
): StoreUnavailableError {
  return new StoreUnavailableError(reason, RETRY_AFTER_SECONDS, cause);
}

/** Returns a function that sends one command through `client` within the limits above. */
export function createCommandRunner(
  client: ClientAdapter,
  timeoutMs: number,
  maxInFlight: number,
): RunCommand {
  let inFlight = 0;

  return function runCommand(args) {
    if (!client.isReady()) return Promise.reject(unavailable("redis_not_ready"));
    if (inFlight >= maxInFlight) return Promise.reject(unavailable("redis_backlog"));

    inFlight++;
    let holding = true;
    const release = () => {
      if (holding) {
        holding = false;
        inFlight--;
      }
    };

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(unavailable("redis_timeout"));
        setTimeout(release, ABANDON_AFTER_MS).unref();
      }, timeoutMs);
      timer.unref();

      let reply: Promise<unknown>;
      try {
        reply = client.send(args);
      } catch (error) {
        // A client that throws synchronously (closed, or a bad argument) instead of rejecting.
        clearTimeout(timer);
        release();
        reject(unavailable("redis_error", error));
        return;
      }
      reply.then(
        (value) => {
          clearTimeout(timer);
          release();
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          release();
          reject(unavailable("redis_error", error));
        },
      );
    });
  };
}
