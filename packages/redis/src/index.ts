/**
 * @resource-guard/redis: the shared state of a fleet of resource servers (several processes or
 * machines behind one load balancer) kept in Redis or Valkey: one DPoP replay store (RFC 9449 §11.1),
 * so a proof replayed at another instance is refused, and one introspection cache (RFC 7662 §4), so a
 * token is introspected once for the fleet. This file is the whole public surface.
 */
export type { IORedisClientLike, NodeRedisClientLike, RedisClientLike } from "./client-adapter.js";
export { type RedisStore, redisStore } from "./redis-store.js";
export type { RedisStoreOptions } from "./resolve-store-options.js";
