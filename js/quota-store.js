// The Redis quota store's adapter (server entries: Node, Workers): the only JS of the fleet quota. It
// tells the user's client apart by shape and speaks that client's eval signature — EVALSHA, then EVAL
// when Redis answers NOSCRIPT (its script cache is volatile). The script, the key names, the clock and
// every decision are the Rust module's (src/wasm/fleet.rs, src/core/quota.lua).
function serverOnly(wasm, setup, makeError) {
  /** `(sha1, script, keys, args) => Promise` over an ioredis, node-redis (v4+) or @upstash/redis client; null otherwise. */
  function evalOf(c) {
    const noscript = (e) => /NOSCRIPT/.test(String(e && e.message));
    const retry = (first, then) => first().catch((e) => (noscript(e) ? then() : Promise.reject(e)));
    if (!c || (typeof c !== "object" && typeof c !== "function")) return null;
    if (typeof c.defineCommand === "function" && typeof c.evalsha === "function") { // ioredis: Redis, Cluster
      return (sha, src, keys, args) => retry(() => c.evalsha(sha, keys.length, ...keys, ...args), () => c.eval(src, keys.length, ...keys, ...args));
    }
    if (typeof c.evalSha === "function" && typeof c.eval === "function") { // node-redis v4+: createClient(), createCluster()
      return (sha, src, keys, args) => retry(() => c.evalSha(sha, { keys, arguments: args }), () => c.eval(src, { keys, arguments: args }));
    }
    if (typeof c.evalsha === "function" && typeof c.eval === "function") { // @upstash/redis (REST)
      return (sha, src, keys, args) => retry(() => c.evalsha(sha, keys, args), () => c.eval(src, keys, args));
    }
    return null;
  }
  /**
   * A quota store in Redis for the `quotaStore` option: every process on one key shares its rate
   * limits. `client`: an ioredis client, a node-redis (v4+) client or an @upstash/redis `Redis` (told
   * apart by shape; the package depends on none of them). Bad options throw InvalidOptionsError.
   */
  function redisQuotaStore(client, options) {
    setup();
    const run = evalOf(client);
    if (run === null) {
      throw makeError({ name: "InvalidOptionsError", code: "invalid_options", attempts: 0,
        message: "redisQuotaStore(client): pass an ioredis client, a node-redis (v4+) client or an @upstash/redis Redis" });
    }
    return new wasm.RedisQuotaStore(run, options);
  }
  return { redisQuotaStore };
}
