/**
 * The decorators of the NestJS adapter: `@RequireScopes`, `@RequireAnyScope` and `@RequireClaims`
 * attach core's route guards (built and validated here, when the controller is declared, so a
 * mistyped scope list fails at start-up); `@RouteScopes` declares scopes the guard knows before it
 * authenticates, so the route's 401s name them too (RFC 9728 §5.1); `@Public()` opts a controller or
 * handler out; `@Auth()` hands the verified token (or one of its members) to a handler parameter.
 */

import { createParamDecorator, type ExecutionContext } from "@nestjs/common";
import { type AuthResult, type ClaimCheck, createGuard, type ScopeArgs } from "@resource-guard/core";
import { addGuard, addRouteScopes, markPublic } from "./metadata.js";

/**
 * Answers 403 `insufficient_scope` unless the token holds every listed scope (whole words). On a
 * controller it applies to each handler, together with the handler's own.
 * @example @Get() @RequireScopes("orders:read") list() { … }
 */
export function RequireScopes(...scopes: ScopeArgs): ClassDecorator & MethodDecorator {
  return addGuard(createGuard("requireScopes", scopes));
}

/**
 * The scopes a route requires (all of them), given to the guard before it authenticates: the route's
 * 401 and 400 challenges carry them in `scope` as well as its 403 (RFC 9728 §5.1, the MCP
 * authorization spec), so a client asks for the right scopes at once. Like Express's
 * `bearerAuth({ verifier, scopes })` and Fastify's `config: { scopes }`. The route needs a token even
 * with `credentialsRequired: false`. On a controller it applies to each handler, with the handler's own.
 * @example @Post("mcp") @RouteScopes("mcp:tools") call() { … }
 */
export function RouteScopes(...scopes: ScopeArgs): ClassDecorator & MethodDecorator {
  const guard = createGuard("requireScopes", scopes);
  return addRouteScopes(guard.scopes ?? []);
}

/**
 * Answers 403 `insufficient_scope` unless the token holds at least one listed scope.
 * @example @Get() @RequireAnyScope("orders:read", "orders:admin") list() { … }
 */
export function RequireAnyScope(...scopes: ScopeArgs): ClassDecorator & MethodDecorator {
  return addGuard(createGuard("requireAnyScope", scopes));
}

/**
 * Answers 401 `invalid_token` ("A required claim is missing or not accepted") unless `check`
 * accepts the token's claims. For rules that hold on every route, prefer the verifier's `requiredClaims`.
 * @example @Get() @RequireClaims((claims) => claims.tenant === "acme") list() { … }
 */
export function RequireClaims(check: ClaimCheck): ClassDecorator & MethodDecorator {
  return addGuard(createGuard("requireClaims", [check]));
}

/**
 * Lets requests to a controller or handler through without a token (`@Auth()` is then undefined).
 * @example @Get("health") @Public() health() { return { ok: true }; }
 */
export function Public(): ClassDecorator & MethodDecorator {
  return markPublic();
}

const authParam = createParamDecorator(
  (property: keyof AuthResult | undefined, context: ExecutionContext) => {
    const auth = context.switchToHttp().getRequest<{ auth?: AuthResult }>().auth;
    return property === undefined ? auth : auth?.[property];
  },
);

/**
 * The verified token of the request, or one of its members: `@Auth() auth: AuthResult`,
 * `@Auth("claims") claims: AuthResult["claims"]`. Undefined on `@Public()` routes.
 * @example @Get("me") me(@Auth() auth: AuthResult) { return { sub: auth.claims.sub }; }
 */
export function Auth(property?: keyof AuthResult): ParameterDecorator {
  return property === undefined ? authParam() : authParam(property);
}
