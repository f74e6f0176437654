/**
 * What the guard does for one handler of one controller, worked out on the handler's first request and
 * kept: whether it is `@Public()`, the readers handed to core, and the route guards to run once the
 * token is verified. A route with `@RouteScopes` gets readers that carry its scopes, so its 401 and
 * 400 challenges name them (RFC 6750 §3 `scope`, RFC 9728 §5.1, the MCP authorization spec's
 * step-up), and that require credentials even where the module lets requests without them through:
 * a route that requires scopes requires a token. Its scope guard runs first, then the controller's
 * guards, then the handler's. Reading the metadata once per handler (not per request) leaves two
 * WeakMap lookups on the hot path.
 */
import { type AuthenticateOptions, createGuard, type RouteGuard } from "@resource-guard/core";
import { guardsOf, isPublic, routeScopesOf } from "./metadata.js";
import type { PlatformRequest } from "./request.js";

type Readers = AuthenticateOptions<PlatformRequest>;
type Target = object;

/** The guard's work for one handler. */
export type RoutePlan =
  | { readonly open: true }
  | { readonly open: false; readonly readers: Readers; readonly guards: readonly RouteGuard[] };

const OPEN: RoutePlan = Object.freeze({ open: true });

function nameOf(controller: Target, handler: Target): string {
  return `${(controller as { name?: string }).name ?? "?"}.${(handler as { name?: string }).name ?? "?"}`;
}

function build(readers: Readers, controller: Target, handler: Target): RoutePlan {
  const classScopes = routeScopesOf(controller);
  const handlerScopes = routeScopesOf(handler);
  const scoped = classScopes !== undefined || handlerScopes !== undefined;
  if (isPublic(handler) || isPublic(controller)) {
    if (scoped)
      // Express and Fastify refuse the same mix where the route is declared.
      throw new TypeError(
        `resource-guard: ${nameOf(controller, handler)} is @Public() and has @RouteScopes; a route without authentication cannot require scopes`,
      );
    return OPEN;
  }
  const guards: RouteGuard[] = [];
  let own = readers;
  if (scoped) {
    // Already validated by the decorators; combined here, duplicates dropped by core.
    const guard = createGuard("requireScopes", [[...(classScopes ?? []), ...(handlerScopes ?? [])]]);
    const { credentialsRequired: _, ...required } = readers;
    own = Object.freeze({ ...required, scopes: guard.scopes });
    guards.push(guard);
  }
  guards.push(...(guardsOf(controller) ?? []), ...(guardsOf(handler) ?? []));
  return Object.freeze({ open: false, readers: own, guards: Object.freeze(guards) });
}

/**
 * A lookup of plans for one guard (one set of readers), built lazily and cached per controller class
 * and handler: a handler inherited by two controllers gets a plan for each.
 */
export function createRoutePlans(readers: Readers): (controller: Target, handler: Target) => RoutePlan {
  const plans = new WeakMap<Target, WeakMap<Target, RoutePlan>>();
  return (controller, handler) => {
    let byHandler = plans.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      plans.set(controller, byHandler);
    }
    let plan = byHandler.get(handler);
    if (plan === undefined) {
      plan = build(readers, controller, handler);
      byHandler.set(handler, plan);
    }
    return plan;
  };
}
