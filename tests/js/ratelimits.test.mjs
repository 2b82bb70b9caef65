// Rate limits as a model: the quota of every bucket from every response, deapi.rateLimits(), and a
// 429 that says whether the minute or the daily limit was hit and when it resets.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { client, rejection, sdk, validImage, withMock } from "./helpers.mjs";

const { RateLimitError } = sdk;

let mock;
before(async () => { mock = await withMock({ rateLimit: { perMinute: 3, perDay: 1000, windowMs: 60_000 } }); });
after(() => mock.close());

const nextMidnightUtc = (ms) => (Math.floor(ms / 864e5) + 1) * 864e5;

describe("quota on every response", () => {
  it("rateLimits() holds each bucket's last limit and remaining, with Dates", async () => {
    const { c } = client(mock);
    assert.deepEqual(c.rateLimits(), {}, "nothing known before the first response");
    await c.images.generate(validImage());
    await c.images.generate(validImage());
    await c.images.generatePrice(validImage());
    await c.account.balance(); // not rate limited: no bucket
    const q = c.rateLimits();
    assert.deepEqual(Object.keys(q).sort(), ["images/generations", "price"]);
    const g = q["images/generations"];
    assert.equal(g.limit, 3);
    assert.equal(g.remaining, 1);
    assert.equal(g.source, "images/generations");
    assert.ok(g.updatedAt instanceof Date && g.resetAt instanceof Date && g.dailyResetAt instanceof Date);
    assert.ok(g.resetAt > g.updatedAt, "the minute window ends after the response");
    assert.equal(g.dailyResetAt.getTime(), nextMidnightUtc(g.updatedAt.getTime()));
    assert.equal(q.price.remaining, 2);
  });

  it("a minute 429 says so and when it resets; rateLimits() shows the bucket exhausted", async () => {
    const { c } = client(mock, { maxRetryAfterMs: 0 });
    for (let i = 0; i < 3; i++) await c.images.generate(validImage());
    const e = await rejection(c.images.generate(validImage()));
    assert.ok(e instanceof RateLimitError);
    assert.equal(e.rateLimit.type, "minute");
    assert.ok(e.retryAfter >= 1 && e.retryAfter <= 60, String(e.retryAfter));
    assert.ok(e.rateLimit.resetAt instanceof Date);
    const expected = Date.now() + e.retryAfter * 1000;
    assert.ok(Math.abs(e.rateLimit.resetAt.getTime() - expected) < 5_000, "resetAt = now + Retry-After");
    const g = c.rateLimits()["images/generations"];
    assert.equal(g.remaining, 0);
    assert.equal(g.type, "minute");
    assert.equal(g.resetAt.getTime(), e.rateLimit.resetAt.getTime());
  });

  it("a daily 429 resets at the next midnight UTC", async () => {
    const daily = await withMock({ rateLimit: { perMinute: 100, perDay: 2 } });
    try {
      const { c } = client(daily, { maxRetryAfterMs: 60_000 });
      await c.images.generate(validImage());
      await c.images.generate(validImage());
      const e = await rejection(c.images.generate(validImage()));
      assert.ok(e instanceof RateLimitError);
      assert.equal(e.rateLimit.type, "daily");
      assert.equal(e.rateLimit.dailyRemaining, 0);
      assert.equal(e.attempts, 1, "a daily limit is not slept through");
      assert.equal(e.rateLimit.resetAt.getTime(), nextMidnightUtc(Date.now()));
    } finally {
      await daily.close();
    }
  });
});
