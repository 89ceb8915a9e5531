import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseEvent } from "../../src/ip-source/events.js";
import { FAIL_LIMIT, REQUEST_LIMIT, SOURCE_LIMIT, WINDOW_S, admit, failed, parseTable, type RateTable } from "../../src/push/rate.js";
import { PushStore, parseRecord, pushId, recordText } from "../../src/push/store.js";

describe("Push - store", () => {
  it("names/push id/plain when the events reader takes it, else shortened with a digest", () => {
    assert.equal(pushId("home.example.org"), "home.example.org");
    assert.equal(pushId("*.example.org"), "_.example.org");
    const long = `${"a".repeat(60)}.example.org`;
    const id = pushId(long);
    assert.ok(`push-${id}`.length <= 64, id);
    assert.notEqual(id, pushId(`${"a".repeat(60)}.example.net`));
    assert.match(`push-${id}`, /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}$/);
  });

  it("record text/round trip/parsed back, and read by the reconciler's event parser", () => {
    const rec = { name: "home.example.org", ipv4: ["192.0.2.7"], ipv6: ["2001:db8::7"], time: 1_800_000_000, from: "198.51.100.1" };
    assert.deepEqual(parseRecord(recordText(rec)), rec);
    const parsed = parseEvent("push-home.example.org", recordText(rec));
    assert.ok("event" in parsed, JSON.stringify(parsed));
    assert.deepEqual([parsed.event.source, parsed.event.name, parsed.event.ipv4, parsed.event.ipv6, parsed.event.time], ["push", "home.example.org", ["192.0.2.7"], ["2001:db8::7"], 1_800_000_000]);
    assert.deepEqual(parsed.warnings, []);
    assert.equal(parseRecord("SOURCE=networkmanager\nIPV4=192.0.2.1\n"), undefined);
  });

  it("IPv6 push after an IPv4 push/record/event carries IPv6 only, last push keeps both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ddns-push-store-"));
    try {
      const store = new PushStore(join(dir, "events"), join(dir, "push"));
      await store.prepare();
      const v4 = { name: "home.example.org", ipv4: ["192.0.2.7"], ipv6: [], time: 1, from: "local" };
      await store.record(v4, undefined);
      const v6 = { name: "home.example.org", ipv4: [], ipv6: ["2001:db8::7"], time: 2, from: "local" };
      await store.record(v6, await store.last("home.example.org"));
      assert.doesNotMatch(readFileSync(join(dir, "events", "push-home.example.org"), "utf8"), /IPV4=/);
      const last = await store.last("home.example.org");
      assert.deepEqual([last?.ipv4, last?.ipv6, last?.time], [["192.0.2.7"], ["2001:db8::7"], 2]);
      assert.deepEqual(readdirSync(join(dir, "push")).sort(), ["last-home.example.org"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Push - per-source limits", () => {
  it("requests past the limit/admit/abuse until the window ends, logged once", () => {
    const t: RateTable = {};
    for (let i = 0; i < REQUEST_LIMIT; i++) assert.equal(admit(t, "a", 100).kind, "admit");
    const first = admit(t, "a", 100);
    const second = admit(t, "a", 101);
    assert.equal(first.kind, "abuse");
    assert.ok(first.kind === "abuse" && first.note !== undefined && first.retryAfter === WINDOW_S);
    assert.ok(second.kind === "abuse" && second.note === undefined);
    assert.equal(admit(t, "b", 101).kind, "admit", "other sources are not affected");
    assert.equal(admit(t, "a", 100 + WINDOW_S).kind, "admit", "a new window");
  });

  it("failed logins/count/logged once a window, blocked at the limit, next window reports the unlogged", () => {
    const t: RateTable = {};
    const notes: Array<string | undefined> = [];
    for (let i = 0; i < FAIL_LIMIT; i++) {
      assert.equal(admit(t, "a", 10).kind, "admit");
      notes.push(failed(t, "a", 10));
    }
    assert.equal(notes.filter((n) => n !== undefined).length, 1);
    assert.equal(admit(t, "a", 11).kind, "abuse");
    admit(t, "a", 10 + WINDOW_S);
    assert.match(failed(t, "a", 10 + WINDOW_S) ?? "", new RegExp(`\\(${FAIL_LIMIT - 1} more in the previous`));
  });

  it("many sources/table/bounded", () => {
    const t: RateTable = {};
    for (let i = 0; i < SOURCE_LIMIT * 3; i++) admit(t, `s${i}`, 1000 + i);
    assert.equal(Object.keys(t).length, SOURCE_LIMIT);
    assert.ok(`s${SOURCE_LIMIT * 3 - 1}` in t, "the newest is kept");
  });

  it("damaged file/parse/a fresh table, never a crash", () => {
    assert.deepEqual(parseTable("{not json"), {});
    assert.deepEqual(parseTable("[1,2]"), {});
    assert.deepEqual(parseTable('{"a":{"start":"x","requests":-5}}'), { a: { start: 0, requests: 0, fails: 0, unlogged: 0, blockLogged: false } });
  });
});
