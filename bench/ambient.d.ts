/**
 * Type shims for bench-only modules whose types are not reachable from bench/ (autocannon ships none;
 * the frameworks' @types packages are devDependencies of the adapter packages, not of the bench).
 * Only what the bench uses is declared.
 */
declare module "autocannon" {
  namespace autocannon {
    interface Histogram {
      p99: number;
      average: number;
    }
    interface Result {
      requests: Histogram & { total: number };
      latency: Histogram;
      duration: number;
      non2xx: number;
      errors: number;
      timeouts: number;
    }
  }
  function autocannon(options: Record<string, unknown>): Promise<autocannon.Result>;
  export default autocannon;
}
