/**
 * `ResourceGuardModule`: builds one verifier for the app (from options, from a factory with injected
 * dependencies such as `ConfigService`, or a shared `{ verifier }`), provides it under
 * `RESOURCE_GUARD_VERIFIER` with `ResourceGuard`, and by default registers the guard for every route
 * of the app (`APP_GUARD`): strict by default, with `@Public()` to open a route. The module is global,
 * so `@UseGuards(ResourceGuard)` works in any feature module. When the verifier has `resource`, the
 * module also serves its RFC 9728 document at the host's root path (metadata-route.ts).
 */

import { type DynamicModule, Module, type ModuleMetadata, type Provider } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { resolveVerifier, type Verifier, type VerifierOrOptions } from "@resource-guard/core";
import {
  RESOURCE_GUARD_SETTINGS,
  RESOURCE_GUARD_VERIFIER,
  ResourceGuard,
  type ResourceGuardSettings,
} from "./guard.js";
import { ResourceMetadataRoute } from "./metadata-route.js";

/** What the module itself reads, beside the verifier options. */
export interface ResourceGuardModuleSettings {
  /**
   * Register `ResourceGuard` for every route of the app (default `true`; open routes with
   * `@Public()`). `false`: guard controllers yourself with `@UseGuards(ResourceGuard)`.
   */
  globalGuard?: boolean;
  /**
   * `false`: requests without credentials pass with `request.auth` unset (bad credentials still fail);
   * a `@RequireScopes` route then answers such a request 401 with its scopes. Default `true`.
   */
  credentialsRequired?: boolean;
}

/** Options of `forRoot`: every `createVerifier` option (or `{ verifier }`), and the module's own. */
export type ResourceGuardModuleOptions = VerifierOrOptions & ResourceGuardModuleSettings;

/** Options of `forRootAsync`: a factory for the verifier options, with the providers it needs. */
export interface ResourceGuardModuleAsyncOptions extends ResourceGuardModuleSettings {
  /** Modules whose providers `inject` names (e.g. `ConfigModule`). */
  imports?: ModuleMetadata["imports"];
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<
    string | symbol | (abstract new (...args: never[]) => unknown) | (new (...args: never[]) => unknown)
  >;
  /** Returns (or resolves to) every `createVerifier` option, or `{ verifier }`. */
  useFactory(...args: never[]): VerifierOrOptions | Promise<VerifierOrOptions>;
}

function globalGuardOf(value: unknown, where: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean")
    throw new TypeError(`resource-guard: ${where} "globalGuard" must be a boolean`);
  return value;
}

function credentialsRequiredOf(value: unknown, where: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean")
    throw new TypeError(`resource-guard: ${where} "credentialsRequired" must be a boolean`);
  return value;
}

function moduleOf(
  verifier: Provider,
  globalGuard: boolean,
  credentialsRequired: boolean,
  imports?: ModuleMetadata["imports"],
): DynamicModule {
  const settings: ResourceGuardSettings = { credentialsRequired };
  const providers: Provider[] = [
    verifier,
    { provide: RESOURCE_GUARD_SETTINGS, useValue: settings },
    ResourceGuard,
    ResourceMetadataRoute,
  ];
  if (globalGuard) providers.push({ provide: APP_GUARD, useClass: ResourceGuard });
  return {
    module: ResourceGuardModule,
    global: true,
    ...(imports === undefined ? {} : { imports }),
    providers,
    exports: [RESOURCE_GUARD_VERIFIER, ResourceGuard],
  };
}

/**
 * The module. Import it once, in the root module.
 * @example
 * @Module({ imports: [ResourceGuardModule.forRoot({ issuer, audience })], controllers: [OrdersController] })
 * export class AppModule {}
 */
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class, configured by its static forRoot
export class ResourceGuardModule {
  /**
   * Builds the verifier now, so a bad option throws at start-up with a TypeError naming it.
   * @example ResourceGuardModule.forRoot({ issuer: "https://idp.example.com", audience: "https://api.example.com" })
   */
  static forRoot(options: ResourceGuardModuleOptions): DynamicModule {
    const where = "ResourceGuardModule.forRoot()";
    if (options === null || typeof options !== "object")
      throw new TypeError(`resource-guard: ${where} needs verifier options or { verifier }`);
    const { globalGuard, credentialsRequired, ...rest } = options;
    const verifier: Verifier = resolveVerifier(rest as VerifierOrOptions, where);
    return moduleOf(
      { provide: RESOURCE_GUARD_VERIFIER, useValue: verifier },
      globalGuardOf(globalGuard, where),
      credentialsRequiredOf(credentialsRequired, where),
    );
  }

  /**
   * Builds the verifier from a factory's options when the app starts, e.g. from `ConfigService`.
   * @example
   * ResourceGuardModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ issuer: config.get("ISSUER"), audience: config.get("AUDIENCE") }),
   * })
   */
  static forRootAsync(options: ResourceGuardModuleAsyncOptions): DynamicModule {
    const where = "ResourceGuardModule.forRootAsync()";
    if (typeof options?.useFactory !== "function")
      throw new TypeError(`resource-guard: ${where} needs a useFactory function`);
    const { useFactory, inject = [], imports, globalGuard, credentialsRequired } = options;
    const verifier: Provider = {
      provide: RESOURCE_GUARD_VERIFIER,
      inject,
      useFactory: async (...args: never[]) => resolveVerifier(await useFactory(...args), where),
    };
    return moduleOf(
      verifier,
      globalGuardOf(globalGuard, where),
      credentialsRequiredOf(credentialsRequired, where),
      imports,
    );
  }
}

Module({})(ResourceGuardModule);
