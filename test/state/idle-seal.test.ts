import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { changedTooRecently, identity, statIdentity } from "../../src/state/idle-seal.js";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An identity string with this ctime (ns since the epoch). */
const withCtime = (ns: bigint): string => `64768:12:300:${ns}:${ns}:33188:0:0`;
const NOW = 1_800_000_000_000; // ms
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

describe("State - idle seal identities", () => {
  it("a file/identity/is its stat, and any write changes it", () => {
    const f = join(mkdtempSync(join(tmpdir(), "ddns-id-")), "f");
    writeFileSync(f, "abc");
    const a = identity(f);
    assert.equal(a, statIdentity(statSync(f, { bigint: true })));
    writeFileSync(f, "abc");
    assert.notEqual(identity(f), a, "the same bytes written again");
    assert.equal(identity(join(f, "nope")), "!ENOTDIR");
  });

  it("a change on a nanosecond file system/racy check/recent only within 20 ms", () => {
    assert.equal(changedTooRecently(withCtime(ns(NOW) - 5_000_000n + 123n), NOW), true, "5 ms ago");
    assert.equal(changedTooRecently(withCtime(ns(NOW) - 19_000_000n + 7n), NOW), true, "19 ms ago");
    assert.equal(changedTooRecently(withCtime(ns(NOW) - 25_000_000n + 7n), NOW), false, "25 ms ago");
  });

  it("a change on a whole-second file system/racy check/recent within 3 s", () => {
    const secondsAgo = (s: number): bigint => ns(NOW - s * 1000); // NOW is a whole second
    assert.equal(changedTooRecently(withCtime(secondsAgo(1)), NOW), true, "1 s ago, whole seconds");
    assert.equal(changedTooRecently(withCtime(secondsAgo(2)), NOW), true, "2 s ago");
    assert.equal(changedTooRecently(withCtime(secondsAgo(4)), NOW), false, "4 s ago");
    // The same 2 s on a nanosecond file system is long past.
    assert.equal(changedTooRecently(withCtime(secondsAgo(2) + 1n), NOW), false);
  });

  it("an identity without a ctime/racy check/treated as recent", () => {
    assert.equal(changedTooRecently("!ENOENT", NOW), true);
    assert.equal(changedTooRecently("1:2:3:4", NOW), true);
    assert.equal(changedTooRecently("1:2:3:4:x5:6", NOW), true);
  });
});
