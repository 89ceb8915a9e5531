import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config/load.js";

const base = (top: string, provider: string, record: string) => `${top}
[providers.p]
${provider}
[[records]]
name = "home.example.org"
provider = "p"
${record}
`;
const DYN = `type = "dyndns2"\nendpoint = "https://dyn.example.net"\nusername = "u"\npassword_file = "/nonexistent"`;
const CF = (proxied: boolean) => `type = "cloudflare"\ntoken = "t0k3n"\nproxied = ${proxied}`;

async function problems(text: string): Promise<string> {
  try {
    await parseConfigText(text, "/etc/ddns/ddns.toml", { fileMode: 0o600 });
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

describe("Config - drift check keys (issue 17)", () => {
  it("no keys/parse/auto, one day, system resolvers", async () => {
    const c = await parseConfigText(base("", CF(false), ""), "/etc/ddns/ddns.toml", { fileMode: 0o600 });
    assert.equal(c.records[0]?.verify, "auto");
    assert.equal(c.records[0]?.verifyIntervalS, 86400);
    assert.deepEqual(c.verifyResolvers, []);
  });

  it("top level and per record/parse/the record's wins, the top level is every record's default", async () => {
    const text = `verify = "api"\nverify_interval = 7200\nverify_resolvers = ["127.0.0.53", "[2001:db8::53]:5353"]
[providers.p]
${CF(false)}
[[records]]
name = "a.example.org"
provider = "p"
[[records]]
name = "b.example.org"
provider = "p"
verify = "off"
verify_interval = 3600
`;
    const c = await parseConfigText(text, "/etc/ddns/ddns.toml", { fileMode: 0o600 });
    assert.deepEqual(c.records.map((r) => [r.verify, r.verifyIntervalS]), [["api", 7200], ["off", 3600]]);
    assert.deepEqual(c.verifyResolvers, ["127.0.0.53", "[2001:db8::53]:5353"]);
  });

  it("bad values/parse/file, line and key named", async () => {
    const m = await problems(`verify = "always"\nverify_interval = 60\nverify_resolvers = ["dns.google"]\n` + base("", CF(false), `verify_interval = "daily"`));
    assert.match(m, /ddns\.toml:1: verify: "always" is not a verify mode; modes are "auto", "api", "dns", "off"/);
    assert.match(m, /ddns\.toml:2: verify_interval: must be from 3600 to 2592000, not 60/);
    assert.match(m, /ddns\.toml:3: verify_resolvers: "dns\.google" is not an IP address/);
    assert.match(m, /ddns\.toml:\d+: records\.verify_interval: must be an integer from 3600 to 2592000/);
  });

  it("verify = api for a provider without a read API/parse/refused with the fix", async () => {
    const m = await problems(base("", DYN, `verify = "api"`));
    assert.match(m, /records\.verify: home\.example\.org: provider type "dyndns2" has no read API: use verify = "auto" or "dns"/);
  });

  it("verify = dns (top level) for a Cloudflare record, proxied or not/parse/refused at the top-level key", async () => {
    const m = await problems(base(`verify = "dns"`, CF(true), ""));
    assert.match(m, /ddns\.toml:1: verify: home\.example\.org: Cloudflare records are checked through the API only: a proxied record cannot be checked through DNS .* and this entry creates proxied records/);
    assert.match(await problems(base(`verify = "dns"`, CF(false), "")), /ddns\.toml:1: verify: .*through the API only/);
    assert.doesNotMatch(await problems(base(`verify = "dns"`, DYN, "")), /verify/, "a dyndns2 record takes dns");
  });

  it("typo/parse/nearest key suggested", async () => {
    const m = await problems(base("", CF(false), `verfy = "dns"`));
    assert.match(m, /verfy.*verify/);
  });
});
