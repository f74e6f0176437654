/**
 * The OpenTelemetry recipe (docs/observability.md): subscribes to resource-guard's diagnostics
 * channels and turns them into spans and metrics with @opentelemetry/api. Copy this file into your
 * app, call `instrumentResourceGuard()` once at start-up after your SDK is set up, and keep the
 * returned function to unsubscribe.
 *
 * - a span `resource-guard.verify` per verification, with the outcome, reason, issuer, scheme and
 *   whether the verified-token cache answered; failures set the span status to ERROR only for 5xx
 *   (a refused token is a correct answer, not a fault);
 * - a counter `resource_guard.verifications` by outcome, reason, issuer, scheme, cached;
 * - a counter `resource_guard.key_set.events` by type, issuer and reason (fetched, failed, rotated,
 *   kid_miss, backoff), and a span `resource-guard.keys.fetch` per key-set fetch.
 */
import { subscribe, tracingChannel, unsubscribe } from "node:diagnostics_channel";
import { type Attributes, metrics, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { CHANNEL_NAMES, type KeySetEvent, type VerificationEvent } from "@resource-guard/core";

function verificationAttributes(event: VerificationEvent): Attributes {
  const attributes: Attributes = { "resource_guard.outcome": event.outcome ?? "unknown" };
  if (event.reason !== undefined) attributes["resource_guard.reason"] = event.reason;
  if (event.issuer !== undefined) attributes["resource_guard.issuer"] = event.issuer;
  if (event.scheme !== undefined) attributes["resource_guard.scheme"] = event.scheme;
  if (event.status !== undefined) attributes["http.response.status_code"] = event.status;
  attributes["resource_guard.cached"] = event.cached === true;
  return attributes;
}

/** Subscribes; returns a function that unsubscribes everything again. */
export function instrumentResourceGuard(name = "resource-guard"): () => void {
  const tracer = trace.getTracer(name);
  const meter = metrics.getMeter(name);
  const verifications = meter.createCounter("resource_guard.verifications", {
    description: "Token verifications by outcome and reason",
  });
  const keyEvents = meter.createCounter("resource_guard.key_set.events", {
    description: "Key set fetches, failures, rotations, unknown kids and backoffs",
  });

  // One span per traced call, keyed by the context object the channel hands to every phase.
  const verifySpans = new WeakMap<object, Span>();
  const verifyTrace = tracingChannel<unknown, VerificationEvent>(CHANNEL_NAMES.verify);
  const verifyHandlers = {
    start(event: VerificationEvent) {
      verifySpans.set(event, tracer.startSpan("resource-guard.verify"));
    },
    end() {},
    asyncStart() {},
    asyncEnd(event: VerificationEvent) {
      const span = verifySpans.get(event);
      if (!span) return;
      span.setAttributes(verificationAttributes(event));
      if ((event.status ?? 0) >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: event.reason });
      span.end();
      verifySpans.delete(event);
    },
    error() {},
  };
  verifyTrace.subscribe(verifyHandlers);

  const keySpans = new WeakMap<object, Span>();
  const keysTrace = tracingChannel<unknown, KeySetEvent>(CHANNEL_NAMES.keysFetch);
  const keyHandlers = {
    start(event: KeySetEvent) {
      keySpans.set(
        event,
        tracer.startSpan("resource-guard.keys.fetch", {
          attributes: { "resource_guard.issuer": event.issuer },
        }),
      );
    },
    end() {},
    asyncStart() {},
    asyncEnd(event: KeySetEvent) {
      keySpans.get(event)?.end();
      keySpans.delete(event);
    },
    error(event: KeySetEvent & { error?: unknown }) {
      const span = keySpans.get(event);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: event.reason ?? "key set fetch failed" });
    },
  };
  keysTrace.subscribe(keyHandlers);

  const onVerification = (message: unknown) => {
    verifications.add(1, verificationAttributes(message as VerificationEvent));
  };
  const onKeys = (message: unknown) => {
    const event = message as KeySetEvent;
    const attributes: Attributes = {
      "resource_guard.event": event.type ?? "unknown",
      "resource_guard.issuer": event.issuer,
    };
    if (event.reason !== undefined) attributes["resource_guard.reason"] = event.reason;
    keyEvents.add(1, attributes);
  };
  subscribe(CHANNEL_NAMES.verification, onVerification);
  subscribe(CHANNEL_NAMES.keys, onKeys);

  return () => {
    verifyTrace.unsubscribe(verifyHandlers);
    keysTrace.unsubscribe(keyHandlers);
    unsubscribe(CHANNEL_NAMES.verification, onVerification);
    unsubscribe(CHANNEL_NAMES.keys, onKeys);
  };
}
