/**
 * Harnesses for the conformance table on Hono: in-process on Node through @hono/node-server (the
 * adapter's sources), and as a child process on Bun and Deno (the built packages, see
 * runtime-server.ts; the options go there as JSON, the failing replay store as its marker, and the
 * rows that need a TLS client certificate are skipped, since those servers give handlers none). Errors are left to Hono's default error handler, which sends the
 * HTTPException's response: status, headers and `{ error, error_description }`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { createVerifier, type VerifierOptions } from "@resource-guard/core";
import * as adapter from "@resource-guard/hono";
import type { Hono } from "hono";
import { expect } from "vitest";
import type { Harness, TlsServerOptions } from "../../../test/conformance/harness.js";
import type { RuntimeName } from "../../../test/support/runtimes.js";
import { createConformanceApp } from "./conformance-app.js";

/** Serves a Hono app with @hono/node-server on 127.0.0.1, port 0. */
export async function listenNode(
  app: Pick<Hono, "fetch">,
  tls?: TlsServerOptions,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = (
    tls
      ? serve({
          fetch: app.fetch,
          port: 0,
          hostname: "127.0.0.1",
          createServer: createHttpsServer,
          serverOptions: tls,
        })
      : serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" })
  ) as Server;
  if (!server.listening) await once(server, "listening");
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The body `{ error, error_description }` the adapter's HTTPExceptions carry. */
export function expectHonoErrorBody(
  body: string,
  contentType: string | null,
  expected: {
    status: number;
    message: string;
    code: string | undefined;
  },
): void {
  expect(contentType).toBe("application/json");
  // Core's toErrorResponse, as the other adapters' error handlers answer.
  const error = expected.code ?? (expected.status === 503 ? "temporarily_unavailable" : "unauthorized");
  expect(JSON.parse(body)).toEqual({ error, error_description: expected.message });
}

export const honoHarness: Harness = {
  name: "hono (node)",
  start: async (options: VerifierOptions, tls?: TlsServerOptions) =>
    listenNode(createConformanceApp(adapter, createVerifier, options), tls),
  expectErrorBody: expectHonoErrorBody,
};

const SERVER = fileURLToPath(new URL("./runtime-server.ts", import.meta.url));
const READY = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
const START_TIMEOUT_MS = 20_000;

function argsFor(runtime: RuntimeName): string[] {
  // Deno: only what the app needs (its options, loopback, reading node_modules and dist/).
  return runtime === "bun"
    ? ["run", SERVER]
    : ["run", "--sloppy-imports", "--allow-env", "--allow-net=127.0.0.1", "--allow-read", SERVER];
}

async function waitForOrigin(child: ChildProcess, runtime: string): Promise<string> {
  let output = "";
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${runtime} did not start: ${output}`)),
      START_TIMEOUT_MS,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${runtime} exited ${code}: ${output}`));
    });
  });
}

/** The same app on Bun or Deno, served by the runtime itself, from the built package. */
export function runtimeHarness(runtime: RuntimeName, binary: string, version: string): Harness {
  return {
    name: `hono (${runtime} ${version})`,
    noClientCertificates: `${runtime}'s server gives handlers no TLS client certificate`,
    async start(options: VerifierOptions) {
      const child = spawn(binary, argsFor(runtime), {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NO_COLOR: "1",
          RG_OPTIONS: JSON.stringify(options),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        const url = await waitForOrigin(child, runtime);
        return {
          url,
          async close() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const exited = once(child, "exit");
            child.kill("SIGTERM");
            await exited;
          },
        };
      } catch (err) {
        child.kill("SIGKILL");
        throw err;
      }
    },
    expectErrorBody: expectHonoErrorBody,
  };
}
