/**
 * Where the decorators of this package leave their marks and where the guard reads them: route
 * guards built by core (`createGuard`, validated when the class is declared), the scopes of
 * `@RouteScopes` (known before authentication, RFC 9728 §5.1) and the `@Public()` flag, kept on the
 * controller class or on the handler method with reflect-metadata, which Nest itself requires.
 * Several decorators of a kind on one target add up (every one must pass), and a class's marks apply
 * to each of its handlers together with the handler's own, as stacked middleware would.
 */
import type { RouteGuard } from "@resource-guard/core";

// Symbol.for: the same keys when an app loads both the ESM and the CJS build of this package.
const GUARDS = Symbol.for("@resource-guard/nestjs:guards");
const PUBLIC = Symbol.for("@resource-guard/nestjs:public");
const ROUTE_SCOPES = Symbol.for("@resource-guard/nestjs:route-scopes");

/** The part of reflect-metadata's global API used here (Nest apps load reflect-metadata first). */
interface MetadataApi {
  getOwnMetadata(key: unknown, target: object): unknown;
  defineMetadata(key: unknown, value: unknown, target: object): void;
}
const metadata = Reflect as unknown as MetadataApi;

function assertMetadataApi(): void {
  if (typeof metadata.defineMetadata !== "function")
    throw new TypeError(
      'resource-guard: import "reflect-metadata" before @resource-guard/nestjs (Nest needs it too)',
    );
}

/** A decorator for a class or a method that stores `value` under `key` on it (a class or a function). */
function mark(update: (target: object) => void): ClassDecorator & MethodDecorator {
  assertMetadataApi();
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    update(descriptor === undefined ? target : (descriptor.value as object));
    return descriptor;
  }) as ClassDecorator & MethodDecorator;
}

/** Adds a route guard to the class or method it decorates. */
export function addGuard(guard: RouteGuard): ClassDecorator & MethodDecorator {
  return mark((target) => {
    const current = (metadata.getOwnMetadata(GUARDS, target) as readonly RouteGuard[] | undefined) ?? [];
    metadata.defineMetadata(GUARDS, Object.freeze([...current, guard]), target);
  });
}

/** Adds scopes (already validated) that the class or method requires before authentication. */
export function addRouteScopes(scopes: readonly string[]): ClassDecorator & MethodDecorator {
  return mark((target) => {
    const current = routeScopesOf(target) ?? [];
    metadata.defineMetadata(ROUTE_SCOPES, Object.freeze([...current, ...scopes]), target);
  });
}

/** The scopes `@RouteScopes` put on a class or handler (none when undecorated). */
export function routeScopesOf(target: object): readonly string[] | undefined {
  return metadata.getOwnMetadata(ROUTE_SCOPES, target) as readonly string[] | undefined;
}

/** Marks the class or method public: the guard lets its requests through unauthenticated. */
export function markPublic(): ClassDecorator & MethodDecorator {
  return mark((target) => metadata.defineMetadata(PUBLIC, true, target));
}

/** The route guards of a class or handler (none when undecorated). */
export function guardsOf(target: object): readonly RouteGuard[] | undefined {
  return metadata.getOwnMetadata(GUARDS, target) as readonly RouteGuard[] | undefined;
}

/** True when the class or handler is marked `@Public()`. */
export function isPublic(target: object): boolean {
  return metadata.getOwnMetadata(PUBLIC, target) === true;
}
