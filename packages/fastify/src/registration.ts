/**
 * claimContext(): lets the plugin be registered once per context tree. The plugin is wrapped in
 * fastify-plugin, so its hook and decorators belong to the context it is registered in and reach
 * every child context. Registered again below (or beside itself), Fastify would refuse the second
 * `decorateRequest("auth")` with FST_ERR_DEC_ALREADY_PRESENT, which does not say what to do; this
 * check refuses it first, with a message that does.
 */
import type { FastifyInstance } from "fastify";

// A decorator name no user code collides with, shared by every copy of the adapter in the process.
const REGISTERED = Symbol.for("@resource-guard/fastify:registered");

/** Marks `app` as guarded; throws when this context or a parent already is, or `request.auth` is taken. */
export function claimContext(app: FastifyInstance): void {
  if (app.hasDecorator(REGISTERED)) {
    throw new Error(
      "resource-guard: register(resourceGuard) is already registered in this context or a parent context, whose hook already guards every route here; register it once per context tree (in sibling contexts for different options) and opt routes out with config: { auth: false }",
    );
  }
  if (app.hasRequestDecorator("auth")) {
    throw new Error(
      "resource-guard: register(resourceGuard) needs request.auth, which another plugin has already decorated",
    );
  }
  app.decorate(REGISTERED, true);
}
