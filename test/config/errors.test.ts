import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLOUDFLARE, FILE, refused, refusedAt } from "./helpers.js";

const REC = (extra = "") => `${CLOUDFLARE}\n[[records]]\nname = "home.example.org"\nprovider = "home"\n${extra}`;
// CLOUDFLARE starts with a blank line: [providers.home] is line 2, token line 4, [[records]] line 6.

/** [description, text, line, key, what] — each config has exactly one problem. */
const CASES: [string, string, number, string, RegExp][] = [
  ["unknown top-level table", "[ipv5]\nenabled = true\n", 1, "ipv5", /^unknown key "ipv5" \(did you mean "ipv4"\?\)$/],
  ["unknown family key", "[ipv4]\nenabled = true\nsourcs = [\"http\"]\n", 3, "ipv4.sourcs", /^unknown key "sourcs" \(did you mean "sources"\?\)$/],
  ["unknown key far from any", "[ipv4]\nwhatever = 1\n", 2, "ipv4.whatever", /^unknown key "whatever"$/],
  ["family not a table", "ipv4 = 4\n", 1, "ipv4", /^must be a table, not an integer$/],
  ["enabled not a boolean", "[ipv6]\nenabled = \"no\"\n", 2, "ipv6.enabled", /^must be true or false, not a string$/],
  ["sources a string", "[ipv4]\nsources = \"http\"\n", 2, "ipv4.sources", /^must be a list of strings, not a string$/],
  ["sources empty", "[ipv4]\nsources = []\n", 2, "ipv4.sources", /^must not be an empty list$/],
  ["unknown source", "[ipv4]\nsources = [\n  \"event\",\n  \"htp\",\n]\n", 4, "ipv4.sources", /^unknown source "htp" \(did you mean "http"\?\)/],
  ["source twice", "[ipv4]\nsources = [\"http\", \"http\"]\n", 2, "ipv4.sources", /^"http" is listed twice$/],
  ["static without address", "[ipv4]\nsources = [\"static\"]\n", 2, "ipv4.sources", /^the "static" source needs "address" in \[ipv4\]$/],
  ["command without command", "[ipv6]\nsources = [\"command\"]\n", 2, "ipv6.sources", /^the "command" source needs "command" in \[ipv6\]$/],
  ["static address of the other family", "[ipv4]\nsources = [\"static\"]\naddress = \"2001:db8::1\"\n", 3, "ipv4.address", /^"2001:db8::1" is an IPv6 address, not IPv4$/],
  ["static address list with a bad one", "[ipv6]\naddress = [\n  \"2001:db8::1\",\n  \"fe80::1%eth0\",\n]\n", 4, "ipv6.address", /must not carry a zone/],
  ["static address not an IP", "[ipv4]\naddress = \"home.example.org\"\n", 2, "ipv4.address", /is not an IPv4 address$/],
  ["command relative", "[ipv4]\nsources = [\"command\"]\ncommand = [\"wan-ip\"]\n", 3, "ipv4.command", /must be an absolute path/],
  ["command empty", "[ipv4]\ncommand = []\n", 2, "ipv4.command", /^must not be an empty list$/],
  ["dns server a name", "[ipv4]\ndns_servers = [\"resolver1.opendns.com\"]\n", 2, "ipv4.dns_servers", /never names/],
  ["dns server wrong family", "[ipv6]\ndns_servers = [\"208.67.222.222\"]\n", 2, "ipv6.dns_servers", /is an IPv4 address, not IPv6/],
  ["dns_name invalid", "[ipv4]\ndns_name = \"my ip\"\n", 2, "ipv4.dns_name", /invalid label/],
  ["prefer in ipv4", "[ipv4]\nprefer = \"stable\"\n", 2, "ipv4.prefer", /only \[ipv6\] takes "prefer"/],
  ["prefer unknown", "[ipv6]\nprefer = \"fast\"\n", 2, "ipv6.prefer", /^must be "stable" or "temporary"$/],
  ["timeout too long", "[ipv4]\ntimeout = 61\n", 2, "ipv4.timeout", /^must be from 1 to 60, not 61$/],
  ["timeout zero", "[ipv4]\ntimeout = 0\n", 2, "ipv4.timeout", /^must be from 1 to 60, not 0$/],
  ["accept_private a string", "[ipv4]\naccept_private = \"yes\"\n", 2, "ipv4.accept_private", /true or false/],
  ["interface with a slash", "[ipv4]\ninterfaces = [\"eth0\", \"../x\"]\n", 2, "ipv4.interfaces", /is not an interface name/],
  ["echo url plain http", "[ipv4]\nurls = [\"http://api.ipify.org\"]\n", 2, "ipv4.urls", /plain http:\/\/, which is allowed only to a loopback host/],
  ["echo url not a url", "[ipv4]\nurls = [\"api.ipify.org\"]\n", 2, "ipv4.urls", /^is not a URL$/],
  ["echo url ftp", "[ipv4]\nurls = [\"ftp://x.example\"]\n", 2, "ipv4.urls", /must be an https:\/\/ URL/],
  ["providers not tables", "[providers]\nhome = \"cloudflare\"\n", 2, "providers.home", /^must be a table, not a string$/],
  ["provider without type", "[providers.home]\ntoken = \"tok-errors-case\"\n", 1, "providers.home.type", /^missing "type" \(one of .*cloudflare/],
  ["provider type misspelt", "[providers.home]\ntype = \"cloudfare\"\n", 2, "providers.home.type", /^unknown provider type "cloudfare" \(did you mean "cloudflare"\?\)/],
  ["provider type key misspelt", "[providers.home]\ntpye = \"cloudflare\"\n", 2, "providers.home.tpye", /^unknown key "tpye" \(did you mean "type"\?\)$/],
  ["provider key misspelt", `${CLOUDFLARE}zoen = "example.org"\n`, 5, "providers.home.zoen", /^unknown key "zoen" \(did you mean "zone"\?\)$/],
  ["provider secret key misspelt", "[providers.home]\ntype = \"cloudflare\"\ntoken_fiel = \"/x\"\n", 3, "providers.home.token_fiel", /\(did you mean "token_file"\?\)/],
  ["provider required secret missing", "\n[providers.home]\ntype = \"cloudflare\"\n", 2, "providers.home.token", /^missing token .*: set token, or token_file, or token_credential$/],
  ["provider boolean of wrong type", `${CLOUDFLARE}proxied = "yes"\n`, 5, "providers.home.proxied", /true or false/],
  ["provider endpoint plain http", `${CLOUDFLARE}endpoint = "http://api.example.com/v4"\n`, 5, "providers.home.endpoint", /"http:\/\/api\.example\.com\/v4" uses plain http:\/\//],
  ["provider endpoint private address over http", `${CLOUDFLARE}endpoint = "http://192.168.1.1"\n`, 5, "providers.home.endpoint", /plain http/],
  ["provider endpoint with credentials", `${CLOUDFLARE}endpoint = "https://me:pw-in-endpoint-url@api.example.com"\n`, 5, "providers.home.endpoint", /must not hold a user name or password/],
  ["provider endpoint with a query", `${CLOUDFLARE}endpoint = "https://api.example.com/?a=1"\n`, 5, "providers.home.endpoint", /must not have a query/],
  ["refresh_days out of range", `${CLOUDFLARE}refresh_days = 400\n`, 5, "providers.home.refresh_days", /^must be from 0 to 365, not 400$/],
  ["refresh_days not an integer", `${CLOUDFLARE}refresh_days = 1.5\n`, 5, "providers.home.refresh_days", /must be an integer/],
  ["provider name with a space", "[providers.\"my home\"]\ntype = \"cloudflare\"\n", 1, "providers.my home", /is not a usable provider name/],
  ["records a single table", `${CLOUDFLARE}\n[records]\nname = "a.example.org"\n`, 6, "records", /\[\[records\]\] table \(double brackets\)/],
  ["record unknown key", REC("tll = 300\n"), 9, "records.tll", /^unknown key "tll" \(did you mean "ttl"\?\)$/],
  ["record name key misspelt", `${CLOUDFLARE}\n[[records]]\nnmae = "a.example.org"\nprovider = "home"\n`, 7, "records.nmae", /^unknown key "nmae" \(did you mean "name"\?\)$/],
  ["record without name", `${CLOUDFLARE}\n[[records]]\nprovider = "home"\n`, 6, "records.name", /^missing "name"/],
  ["record without provider", `${CLOUDFLARE}\n[[records]]\nname = "a.example.org"\n`, 6, "records.provider", /^missing "provider"/],
  ["record provider misspelt", `${CLOUDFLARE}\n[[records]]\nname = "a.example.org"\nprovider = "hme"\n`, 8, "records.provider", /^no provider "hme" is configured \(did you mean "home"\?\)$/],
  ["record provider with no providers", "[[records]]\nname = \"a.example.org\"\nprovider = \"home\"\n", 3, "records.provider", /there is no \[providers\.NAME\] table/],
  ["record name single label", `${CLOUDFLARE}\n[[records]]\nname = "home"\nprovider = "home"\n`, 7, "records.name", /fully qualified/],
  ["record name bad label", `${CLOUDFLARE}\n[[records]]\nname = "-x.example.org"\nprovider = "home"\n`, 7, "records.name", /invalid label "-x"/],
  ["record name inner wildcard", `${CLOUDFLARE}\n[[records]]\nname = "a.*.example.org"\nprovider = "home"\n`, 7, "records.name", /"\*" only as its first label/],
  ["record name non-ASCII", `${CLOUDFLARE}\n[[records]]\nname = "bücher.example.org"\nprovider = "home"\n`, 7, "records.name", /punycode/],
  ["record name too long", `${CLOUDFLARE}\n[[records]]\nname = "${"a".repeat(64)}.example.org"\nprovider = "home"\n`, 7, "records.name", /invalid label/],
  ["record family unknown", REC("families = [\"ipv4\", \"ip6\"]\n"), 9, "records.families", /^unknown family "ip6" \(did you mean "ipv6"\?\)/],
  ["record family disabled", `[ipv6]\nenabled = false\n${REC("families = [\"ipv6\"]\n")}`, 11, "records.families", /^"ipv6" is disabled/],
  ["record with every family disabled", `[ipv4]\nenabled = false\n[ipv6]\nenabled = false\n${REC()}`, 10, "records.families", /both \[ipv4\] and \[ipv6\] are disabled/],
  ["record ttl zero", REC("ttl = 0\n"), 9, "records.ttl", /^must be from 1 to 86400, not 0$/],
  ["record ttl too long", REC("ttl = 86401\n"), 9, "records.ttl", /^must be from 1 to 86400, not 86401$/],
  ["same name twice", `${REC()}\n[[records]]\nname = "HOME.example.org."\nprovider = "home"\nfamilies = ["ipv6"]\n`, 11, "records.name", /^"home\.example\.org" \(ipv6\) is already configured by the record at line 6$/],
  ["push without names", `${REC()}\n[push]\ntoken = "tok-errors-case"\n`, 10, "push.names", /^missing names/],
  ["push name not a record", `${REC()}\n[push]\nnames = ["home.example.com"]\ntoken = "tok-errors-case"\n`, 11, "push.names", /^"home\.example\.com" is not the name of any \[\[records\]\] \(did you mean "home\.example\.org"\?\)$/],
  ["push without credentials", `${REC()}\n[push]\nnames = ["home.example.org"]\n`, 10, "push", /set username and password, or token/],
  ["push password without username", `${REC()}\n[push]\nnames = ["home.example.org"]\npassword = "pw-errors-case"\n`, 10, "push.username", /missing username/],
  ["push username alone", `${REC()}\n[push]\nnames = ["home.example.org"]\nusername = "router"\n`, 12, "push.username", /^username needs password .* or token$/],
  ["push unknown key", `${REC()}\n[push]\nnames = ["home.example.org"]\ntoken = "tok-errors-case"\nhosts = []\n`, 13, "push.hosts", /^unknown key "hosts"$/],
  ["dotted key in a family", "ipv4.sourses = [\"http\"]\n", 1, "ipv4.sourses", /did you mean "sources"/],
  ["inline table family", "ipv6 = { enabled = true,\n  prefr = \"stable\" }\n", 2, "ipv6.prefr", /did you mean "prefer"/],
];

describe("Config - errors", () => {
  for (const [what, text, line, key, message] of CASES) {
    it(`${what}/parse/refused at line ${line}, key ${key}`, async () => {
      await refusedAt(text, line, key, message);
    });
  }

  it("several problems/parse/one line each, in file order", async () => {
    const e = await refused("[ipv6]\nprefer = \"x\"\n[ipv4]\nsourcs = []\ntimeout = 99\n");
    assert.deepEqual(e.message.split("\n"), [
      `${FILE}:2: ipv6.prefer: must be "stable" or "temporary"`,
      `${FILE}:4: ipv4.sourcs: unknown key "sourcs" (did you mean "sources"?)`,
      `${FILE}:5: ipv4.timeout: must be from 1 to 60, not 99`,
    ]);
  });

  it("many problems/parse/capped with a count of the rest", async () => {
    const text = "[ipv4]\n" + Array.from({ length: 30 }, (_, n) => `k${n} = 1\n`).join("");
    const e = await refused(text);
    const lines = e.message.split("\n");
    assert.equal(lines.length, 21);
    assert.equal(lines[20], `${FILE}: ... and 10 more problems`);
  });

  it("error/parse/never a stack trace in the message", async () => {
    const e = await refused("[ipv4\n");
    assert.doesNotMatch(e.message, /\n\s+at /);
    assert.match(e.message, new RegExp(`^${FILE}:1: syntax: `));
  });
});
