/**
 * @resource-guard/nestjs: a NestJS module and guard over @resource-guard/core, on the Express and
 * the Fastify platform (NestJS 11 and 12). It holds no verification logic: the guard hands the
 * request to the core verifier and sets `request.auth`; the decorators attach core's route guards.
 * Failures are `HttpException`s whose headers are already on the response, so they reach the client
 * whichever exception filter answers (RFC 6750 §3).
 */

export type { AuthResult, ClaimCheck, ScopeArgs, Verifier, VerifierOptions } from "@resource-guard/core";
export { Auth, Public, RequireAnyScope, RequireClaims, RequireScopes, RouteScopes } from "./decorators.js";
export {
  RESOURCE_GUARD_SETTINGS,
  RESOURCE_GUARD_VERIFIER,
  ResourceGuard,
  type ResourceGuardSettings,
} from "./guard.js";
export {
  ResourceGuardModule,
  type ResourceGuardModuleAsyncOptions,
  type ResourceGuardModuleOptions,
  type ResourceGuardModuleSettings,
} from "./module.js";
