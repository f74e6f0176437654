/**
 * Wraps one verification in the `resource-guard:verify` trace and publishes its outcome on
 * `resource-guard:verification`. Called by the verifier only when someone subscribes.
 */
import type { AuthResult } from "../types.js";
import { type VerificationEvent, verificationChannel, verifyTrace } from "./channels.js";

/** A value, or the promise of one when it was not at hand. */
type Eventually<T> = T | Promise<T>;

interface FailureLike {
  status?: unknown;
  code?: unknown;
  reason?: unknown;
}

function fillEvent(event: VerificationEvent, auth: AuthResult | undefined, error: unknown): void {
  if (error === undefined) {
    event.outcome = auth === undefined ? "anonymous" : "accepted";
    if (auth !== undefined) {
      event.issuer = auth.issuer;
      event.scheme = auth.scheme;
      if (auth.introspected) event.introspected = true;
    }
  } else {
    const failure = (error ?? {}) as FailureLike;
    const status = typeof failure.status === "number" ? failure.status : 500;
    event.status = status;
    event.code = typeof failure.code === "string" ? failure.code : undefined;
    event.reason = typeof failure.reason === "string" ? failure.reason : "unexpected";
    event.outcome = status === 503 ? "unavailable" : status >= 500 ? "error" : "rejected";
  }
  event.cached ??= false;
}

/**
 * Publishes the TracingChannel phases by hand rather than with `tracePromise`, which would put the
 * AuthResult (the token and its claims) on the context object every subscriber sees. The context is
 * the VerificationEvent alone; `error` is published with the same event, its outcome already set.
 */
function traceVerification(
  event: VerificationEvent,
  run: () => Promise<AuthResult | undefined>,
): Promise<AuthResult | undefined> {
  const { start, end, asyncStart, asyncEnd, error } = verifyTrace;
  return start.runStores(event, () => {
    let promise: Promise<AuthResult | undefined>;
    try {
      promise = run();
    } finally {
      end.publish(event);
    }
    return promise.then(
      (auth) => {
        asyncStart.publish(event);
        asyncEnd.publish(event);
        return auth;
      },
      (failure: unknown) => {
        error.publish(event);
        asyncStart.publish(event);
        asyncEnd.publish(event);
        throw failure;
      },
    );
  });
}

/**
 * Publishes the outcome of a verification nobody traces: synchronously when `run` answered
 * synchronously (a cached token stays free of promises for metrics-only subscribers), else when its
 * promise settles.
 */
function publishOutcome(
  event: VerificationEvent,
  run: () => Eventually<AuthResult | undefined>,
): Eventually<AuthResult | undefined> {
  const publish = (auth: AuthResult | undefined, error: unknown) => {
    fillEvent(event, auth, error);
    if (verificationChannel.hasSubscribers) verificationChannel.publish(event);
  };
  let result: Eventually<AuthResult | undefined>;
  try {
    result = run();
  } catch (error) {
    publish(undefined, error);
    throw error;
  }
  if (!(result instanceof Promise)) {
    publish(result, undefined);
    return result;
  }
  return result.then(
    (auth) => {
      publish(auth, undefined);
      return auth;
    },
    (error: unknown) => {
      publish(undefined, error);
      throw error;
    },
  );
}

/**
 * Runs `run` (which fills `event` as it learns the issuer, scheme and cache use) and publishes the
 * outcome; inside the trace when anyone traces, which makes the answer a promise (the trace's
 * `asyncStart`/`asyncEnd` phases mark its end). Settles or returns exactly as `run` does.
 */
export function observeVerification(
  event: VerificationEvent,
  run: () => Eventually<AuthResult | undefined>,
): Eventually<AuthResult | undefined> {
  if (!verifyTrace.hasSubscribers) return publishOutcome(event, run);
  const settled = (): Promise<AuthResult | undefined> => {
    try {
      const result = run();
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  // The event is complete before the trace ends, so `asyncEnd` and `error` subscribers see the outcome.
  const filled = () =>
    settled().then(
      (auth) => {
        fillEvent(event, auth, undefined);
        return auth;
      },
      (error: unknown) => {
        fillEvent(event, undefined, error);
        throw error;
      },
    );
  const traced = traceVerification(event, filled);
  const publish = () => {
    if (verificationChannel.hasSubscribers) verificationChannel.publish(event);
  };
  return traced.then(
    (auth) => {
      publish();
      return auth;
    },
    (error: unknown) => {
      publish();
      throw error;
    },
  );
}
