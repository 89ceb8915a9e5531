import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FILE, parse, refusedAt } from "./helpers.js";
import { providerSpecs } from "../../src/provider/registry.js";
import { ttlProblem, ttlVerdict } from "../../src/config/ttl.js";

/** One record with `ttl` (on line 4) and a provider table of `type` with its required secrets. */
function withTtl(type: string, ttl: number): string {
  const keys: Record<string, string> = {
    cloudflare: `token = "tok-errors-case"\n`,
    porkbun: `apikey = "tok-errors-case"\nsecretapikey = "pw-errors-case"\n`,
    linode: `token = "tok-errors-case"\n`,
    duckdns: `token = "tok-errors-case"\n`,
    gandi: `token = "tok-errors-case"\n`,
    noip: `username = "me@example.org"\npassword = "pw-errors-case"\n`,
  };
  return `[[records]]\nname = "home.example.org"\nprovider = "home"\nttl = ${ttl}\n[providers.home]\ntype = "${type}"\n${keys[type]!}`;
}

describe("Config - ttl against the provider's documented range (issue 14)", () => {
  it("the fixture/parse/ttl is on line 4 for every type used here", () => {
    for (const t of ["cloudflare", "porkbun", "linode", "duckdns", "gandi", "noip"]) assert.equal(withTtl(t, 300).split("\n")[3], "ttl = 300", t);
  });

  const refusedCases: [string, number, RegExp][] = [
    ["cloudflare", 30, /^cloudflare takes a TTL from 60 to 86400 or 1, not 30$/],
    ["cloudflare", 59, /^cloudflare takes a TTL from 60 to 86400 or 1, not 59$/],
    ["porkbun", 300, /^porkbun takes a TTL from 600 to 86400, not 300$/],
    ["gandi", 60, /^gandi takes a TTL from 300 to 86400, not 60$/],
    ["linode", 600, /^linode takes only the TTLs 30, 120, 300, 3600, .* \(it would round 600 up to 3600\): use one of them$/],
  ];
  for (const [type, ttl, what] of refusedCases) {
    it(`${type} ttl ${ttl}/parse/refused at line 4, key records.ttl`, async () => {
      await refusedAt(withTtl(type, ttl), 4, "records.ttl", what);
    });
  }

  // A ttl on a protocol without one was always accepted and ignored: configs that
  // worked must keep working after an upgrade, so it is a warning (issue 14), not exit 78.
  const ignoredCases: [string, number, RegExp][] = [
    ["duckdns", 60, /^duckdns takes no TTL: DuckDNS sets its own TTL .*; this ttl is ignored \(remove "ttl" to silence this warning\)$/],
    ["noip", 300, /^noip takes no TTL: the dyndns2 protocol carries no TTL \(No-IP sets its own\); this ttl is ignored/],
  ];
  for (const [type, ttl, what] of ignoredCases) {
    it(`${type} ttl ${ttl}/parse/valid, one warning at line 4, key records.ttl, the record carries no ttl`, async () => {
      const c = await parse(withTtl(type, ttl));
      assert.equal(c.records.length, 1);
      assert.equal(c.records[0]?.ttl, undefined, "nothing downstream sees an ignored ttl");
      assert.equal(c.warnings?.length, 1);
      const w = c.warnings![0]!;
      assert.equal(w.line, 4);
      assert.equal(w.key, "records.ttl");
      assert.equal(w.record, "home.example.org");
      assert.match(w.message, what);
      assert.equal(w.text, `${FILE}:4: records.ttl: ${w.message}`);
    });
  }

  it("a ttl out of range beside an ignored one/parse/the error stops the config, the warning does not hide it", async () => {
    const text = `${withTtl("duckdns", 60)}[providers.cf]\ntype = "cloudflare"\ntoken = "tok-errors-case"\n[[records]]\nname = "b.example.org"\nprovider = "cf"\nttl = 30\n`;
    await refusedAt(text, 14, "records.ttl", /^cloudflare takes a TTL from 60 to 86400 or 1, not 30$/);
  });

  it("a valid config/parse/no warnings at all (the field is absent)", async () => {
    const c = await parse(withTtl("cloudflare", 300));
    assert.equal(c.warnings, undefined);
  });

  const accepted: [string, number][] = [
    ["cloudflare", 1],
    ["cloudflare", 60],
    ["cloudflare", 86400],
    ["porkbun", 600],
    ["gandi", 300],
    ["linode", 3600],
    ["linode", 30],
  ];
  for (const [type, ttl] of accepted) {
    it(`${type} ttl ${ttl}/parse/accepted and kept`, async () => {
      const c = await parse(withTtl(type, ttl));
      assert.equal(c.records[0]?.ttl, ttl);
    });
  }

  it("every provider type/spec/has a TTL rule citing its document, and a record without ttl is described", () => {
    for (const s of providerSpecs()) {
      assert.ok(s.ttl.source.length > 10, `${s.type}: no source`);
      assert.ok(s.ttl.unset.length > 0, `${s.type}: nothing said about a record without ttl`);
      assert.ok(s.ttl.fixed !== undefined || s.ttl.values !== undefined || (s.ttl.min !== undefined && s.ttl.max !== undefined), `${s.type}: no rule`);
    }
  });

  it("rule shapes/ttlVerdict/fixed ignores any (a warning), values name the rounding, ranges name the bounds", () => {
    assert.deepEqual(ttlVerdict({ fixed: "no TTL here", unset: "", source: "x" }, 300, "t")?.kind, "ignored");
    assert.match(ttlVerdict({ fixed: "no TTL here", unset: "", source: "x" }, 300, "t")?.message ?? "", /takes no TTL: no TTL here; this ttl is ignored/);
    assert.equal(ttlVerdict({ min: 60, max: 86400, unset: "", source: "x" }, 30, "t")?.kind, "error");
    assert.equal(ttlVerdict({ min: 60, max: 86400, unset: "", source: "x" }, 60, "t"), undefined);
    assert.equal(ttlProblem({ values: [300, 3600], unset: "", source: "x" }, 300, "t"), undefined);
    assert.match(ttlProblem({ values: [300, 3600], unset: "", source: "x" }, 86400, "t") ?? "", /only the TTLs 300, 3600: use one of them$/);
    assert.equal(ttlProblem({ min: 0, max: 86400, unset: "", source: "x" }, 1, "t"), undefined);
  });
});

describe("CLI - ddns providers states TTL, families and other records per type (issue 14)", () => {
  it("providers/--json and text/every type has its TTL rule, what a record without ttl gets, and the multi-record rule", async () => {
    const { providersCommand } = await import("../../src/cli/providers.js");
    const lines: string[] = [];
    const rt = { out: (s: string) => lines.push(s) } as unknown as Parameters<typeof providersCommand>[1];
    assert.equal(await providersCommand(true, rt), 0);
    const specs = JSON.parse(lines.join("\n")) as Array<{ type: string; families: string[]; ttl: { words: string; unset: string }; records: string }>;
    const by = new Map(specs.map((s) => [s.type, s]));
    assert.equal(by.get("cloudflare")?.ttl.words, "60..86400 or 1");
    assert.equal(by.get("linode")?.ttl.words, "only 30, 120, 300, 3600, 7200, 14400, 28800, 57600, 86400");
    assert.match(by.get("duckdns")?.ttl.words ?? "", /^none: /);
    assert.match(by.get("porkbun")?.records ?? "", /refused, naming the records, never deleted/);
    assert.match(by.get("rfc2136")?.records ?? "", /replaced as a whole/);
    assert.deepEqual(by.get("namecheap")?.families, ["ipv4"]);
    lines.length = 0;
    assert.equal(await providersCommand(false, rt), 0);
    const text = lines.join("\n");
    assert.match(text, /^porkbun — .*\n    families: ipv4, ipv6: .*\n    ttl: 600\.\.86400; without ttl: existing records' TTL is read and written back/m);
  });
});
