/**
 * The OpenTelemetry recipe of docs/observability.md, run for real: the SDK's in-memory exporters
 * receive one span per verification and the counters by outcome and reason.
 */
import { metrics, trace } from "@opentelemetry/api";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createVerifier } from "@resource-guard/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";
import { instrumentResourceGuard } from "../src/instrument.js";

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const AUDIENCE = "https://api.example.com";
const spans = new InMemorySpanExporter();
const reader = new CollectingReader();
let idp: TestIdp;
let stop: () => void;

beforeAll(async () => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  idp = await startTestIdp();
  stop = instrumentResourceGuard();
});
afterAll(async () => {
  stop();
  trace.disable();
  metrics.disable();
  await idp.close();
});

it("turns verifications and key-set events into spans and counters", async () => {
  const verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE });
  await verifier.verify(await idp.sign({ sub: "u", aud: AUDIENCE }));
  await verifier
    .verify(await idp.sign({ sub: "u", aud: "https://other.example.com" }))
    .catch(() => undefined);

  const finished = spans.getFinishedSpans();
  expect(finished.map((span) => [span.name, span.attributes])).toEqual([
    ["resource-guard.keys.fetch", { "resource_guard.issuer": idp.issuer }],
    [
      "resource-guard.verify",
      {
        "resource_guard.outcome": "accepted",
        "resource_guard.issuer": idp.issuer,
        "resource_guard.scheme": "Bearer",
        "resource_guard.cached": false,
      },
    ],
    [
      "resource-guard.verify",
      {
        "resource_guard.outcome": "rejected",
        "resource_guard.reason": "audience",
        "resource_guard.issuer": idp.issuer,
        "resource_guard.scheme": "Bearer",
        "http.response.status_code": 401,
        "resource_guard.cached": false,
      },
    ],
  ]);

  const { resourceMetrics } = await reader.collect();
  const counters = Object.fromEntries(
    resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((metric) => [
        metric.descriptor.name,
        metric.dataPoints.map((point) => [
          point.attributes["resource_guard.outcome"] ?? point.attributes["resource_guard.event"],
          point.value,
        ]),
      ]),
    ),
  );
  expect(counters).toEqual({
    "resource_guard.verifications": [
      ["accepted", 1],
      ["rejected", 1],
    ],
    "resource_guard.key_set.events": [["fetched", 1]],
  });
});
