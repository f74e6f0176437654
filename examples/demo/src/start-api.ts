/**
 * Starts one of the example orders APIs in this process, on 127.0.0.1, so the demo and its
 * tests run the very code a newcomer copies from examples/<framework>. Each framework is loaded only
 * when it is asked for.
 */
import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as TlsOptions } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { VerifierOptions } from "@resource-guard/core";

export const FRAMEWORKS = ["express", "koa", "fastify", "hono", "nestjs"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface RunningApi {
  readonly framework: Framework;
  /** Base URL, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Type guard for the `--framework` flag. */
export function isFramework(name: string): name is Framework {
  return (FRAMEWORKS as readonly string[]).includes(name);
}

/**
 * Builds the example API for `framework` with `options` and listens on 127.0.0.1:`port`.
 *
 * @example
 * const api = await startOrdersApi("koa", { issuer, audience, clockTolerance: 0 });
 * // over HTTPS, seeing client certificates: startOrdersApi("koa", options, 0, { key, cert, requestCert: true })
 * await fetch(`${api.url}/health`);
 * await api.close();
 */
export async function startOrdersApi(
  framework: Framework,
  options: VerifierOptions,
  port = 0,
  tls?: TlsOptions,
): Promise<RunningApi> {
  switch (framework) {
    case "express": {
      const { createApp } = await import("../../express/src/app.js");
      return listen(framework, createApp(options), port, tls);
    }
    case "koa": {
      const { createApp } = await import("../../koa/src/app.js");
      return listen(framework, createApp(options).callback(), port, tls);
    }
    case "fastify": {
      const { createApp } = await import("../../fastify/src/app.js");
      const app = await createApp(options, tls ? { https: tls } : {});
      await app.listen({ port, host: "127.0.0.1" });
      const address = app.server.address() as AddressInfo;
      return {
        framework,
        url: `${tls ? "https" : "http"}://127.0.0.1:${address.port}`,
        close: () => app.close(),
      };
    }
    case "hono": {
      const { createApp } = await import("../../hono/src/app.js");
      return listen(framework, getRequestListener(createApp(options).fetch), port, tls);
    }
    case "nestjs": {
      const { createApp } = await import("../../nestjs/src/app.js");
      // Nest types node:tls's SNICallback more narrowly than node:https; the options are the same.
      const app = await createApp(options, tls ? { https: tls as never } : {});
      await app.listen(port, "127.0.0.1");
      const address = app.getHttpServer().address() as AddressInfo;
      return {
        framework,
        url: `${tls ? "https" : "http"}://127.0.0.1:${address.port}`,
        close: () => app.close(),
      };
    }
  }
}

async function listen(
  framework: Framework,
  handler: RequestListener,
  port: number,
  tls: TlsOptions | undefined,
): Promise<RunningApi> {
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  const sockets = new Set<Socket>();
  server.on(tls ? "secureConnection" : "connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  return {
    framework,
    url: `${tls ? "https" : "http"}://127.0.0.1:${address.port}`,
    async close() {
      const closed = once(server, "close");
      server.close();
      // Keep-alive connections from the demo's own fetch calls would otherwise hold the server open.
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
