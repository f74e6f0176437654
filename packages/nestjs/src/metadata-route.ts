/**
 * Serves the protected resource metadata document (RFC 9728 §3) of a verifier with `resource`, with
 * nothing for the app to wire. A provider of `ResourceGuardModule` registers, when the module starts, a
 * plain route of the platform (Express or Fastify, through `HttpAdapterHost`) at
 * `verifier.resourceMetadata.path` for every method. Nest has registered its own routes by then
 * (`onModuleInit` runs after the router) and adds its 404 handler only afterwards, so the document is
 * answered before the 404 and without passing through Nest's guards, pipes or global prefix: it is
 * public and lives at the host's root path (RFC 9728 §3.1). The route writes core's
 * `metadataResponse` as is: status, headers and body, byte for byte (Express's `res.send` would add
 * an ETag and a charset, and so would Fastify for a string payload, so neither is used).
 *
 * A controller of the app on that exact path keeps it, on both platforms. Without an HTTP server (a
 * microservice or a standalone application context) there is nothing to serve and nothing is
 * registered; on a platform other than Express and Fastify the app fails to start with an Error
 * saying so, rather than publish challenges that point at a document nobody serves.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Inject, Injectable, type OnModuleInit } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import { metadataResponse, type Verifier } from "@resource-guard/core";
import { RESOURCE_GUARD_VERIFIER } from "./guard.js";

type ExpressRequest = IncomingMessage & { originalUrl?: string };
type Next = () => void;

/** The parts of Express's app and Fastify's instance and reply used here. */
interface ExpressApp {
  all(path: RegExp, handler: (req: ExpressRequest, res: ServerResponse, next: Next) => void): unknown;
}
interface FastifyReply {
  code(status: number): FastifyReply;
  headers(values: Record<string, string>): FastifyReply;
  send(payload?: Buffer): FastifyReply;
  callNotFound(): void;
}
interface FastifyApp {
  all(
    path: string,
    handler: (request: { method: string; url: string }, reply: FastifyReply) => void,
  ): unknown;
  hasRoute(route: { method: string; url: string }): boolean;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function serveOnExpress(app: ExpressApp, verifier: Verifier, path: string): void {
  // A RegExp matches the path exactly, whatever characters it holds and with Express's loose
  // trailing-slash matching off; core still decides on the full target.
  app.all(new RegExp(`^${escapeRegExp(path)}$`), (req, res, next) => {
    const answer = metadataResponse(verifier, { method: req.method, url: req.originalUrl ?? req.url });
    if (answer === undefined) return next();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body ?? undefined);
  });
}

function serveOnFastify(app: FastifyApp, verifier: Verifier, path: string): void {
  // find-my-way reads ":" as a parameter; "::" is a literal colon.
  const url = path.replaceAll(":", "::");
  // The app's own controller on that path answers instead, as it does on Express (where Nest's routes
  // come first); Fastify would refuse the second route and the app would not start.
  if (app.hasRoute({ method: "GET", url })) return;
  app.all(url, (request, reply) => {
    const answer = metadataResponse(verifier, request);
    // Another query than the resource's own: not the document, so Nest's 404.
    if (answer === undefined) return reply.callNotFound();
    // Bytes, not a string: Fastify would add a charset to the media type of a string payload.
    reply
      .code(answer.status)
      .headers({ ...answer.headers })
      .send(answer.body === null ? undefined : Buffer.from(answer.body));
  });
}

/** Registers the document's route on the platform when the module starts (when `resource` is set). */
export class ResourceMetadataRoute implements OnModuleInit {
  constructor(
    private readonly verifier: Verifier,
    private readonly host: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const metadata = this.verifier.resourceMetadata;
    const adapter = this.host?.httpAdapter;
    if (metadata === undefined || adapter === undefined || adapter === null) return;
    const type = adapter.getType();
    if (type === "express") serveOnExpress(adapter.getInstance<ExpressApp>(), this.verifier, metadata.path);
    else if (type === "fastify")
      serveOnFastify(adapter.getInstance<FastifyApp>(), this.verifier, metadata.path);
    else
      throw new Error(
        `resource-guard: ResourceGuardModule serves the RFC 9728 document on the Express and Fastify platforms only (got "${type}"); serve metadataResponse(verifier, request) from @resource-guard/core yourself`,
      );
  }
}

Inject(RESOURCE_GUARD_VERIFIER)(ResourceMetadataRoute, undefined, 0);
Inject(HttpAdapterHost)(ResourceMetadataRoute, undefined, 1);
Injectable()(ResourceMetadataRoute);
