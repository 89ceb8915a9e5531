import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import { DdnsError } from "../../src/errors.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";
import { CLOUDFLARE, FILE, parse, printable, refused, SECRETS, tempDir } from "./helpers.js";

const root = process.env.DDNS_TEST_ROOT ?? fileURLToPath(new URL("../../../", import.meta.url));

describe("Config - load", () => {
  it("empty file/parse/defaults for both families, nothing to do", async () => {
    const c = await parse("");
    assert.equal(c.file, FILE);
    assert.deepEqual(c.records, []);
    assert.equal(c.providers.size, 0);
    assert.equal(c.push, undefined);
    assert.deepEqual(c.families.ipv4, {
      enabled: true,
      sources: ["event", "interface"],
      interfaces: [],
      urls: [],
      addresses: [],
      command: [],
      dnsServers: ["208.67.222.222", "208.67.220.220"],
      dnsName: "myip.opendns.com",
      prefer: "stable",
      acceptPrivate: false,
      timeoutMs: 5000,
      gatewayProtocols: ["natpmp", "pcp", "upnp"],
    });
    assert.deepEqual(c.families.ipv6.dnsServers, ["2620:119:35::35", "2620:119:53::53"]);
  });

  it("full config/parse/every key typed and normalized", async () => {
    const c = await parse(`
[ipv4]
sources = ["event", "interface", "http", "dns", "static", "command"]
interfaces = ["eth0", "wlan0"]
urls = ["https://api.ipify.org", "http://127.0.0.1:8080/ip"]
address = "203.0.113.7"
command = ["/usr/local/bin/wan-ip", "--v4"]
dns_servers = ["192.0.2.53"]
dns_name = "MyIP.OpenDNS.com."
accept_private = true
timeout = 2.5

[ipv6]
sources = ["static"]
address = ["2001:DB8:0:0::1", "2001:db8::1", "2001:db8::2"]
prefer = "temporary"
${CLOUDFLARE}
zone = "example.org"
proxied = false
endpoint = "http://[::1]:8443/client/v4/"
refresh_days = 30

[[records]]
name = "Home.Example.ORG."
provider = "home"
ttl = 300

[[records]]
name = "*.lab.example.org"
provider = "home"
families = ["ipv6"]

[push]
names = ["home.example.org"]
username = "router"
password = "pw-inline-456"
`);
    const v4 = c.families.ipv4;
    assert.deepEqual(v4.sources, ["event", "interface", "http", "dns", "static", "command"]);
    assert.deepEqual(v4.interfaces, ["eth0", "wlan0"]);
    assert.deepEqual(v4.urls, ["https://api.ipify.org", "http://127.0.0.1:8080/ip"]);
    assert.deepEqual(v4.addresses, ["203.0.113.7"]);
    assert.deepEqual(v4.command, ["/usr/local/bin/wan-ip", "--v4"]);
    assert.deepEqual(v4.dnsServers, ["192.0.2.53"]);
    assert.equal(v4.dnsName, "myip.opendns.com");
    assert.equal(v4.acceptPrivate, true);
    assert.equal(v4.timeoutMs, 2500);
    assert.deepEqual(c.families.ipv6.addresses, ["2001:db8::1", "2001:db8::2"]);
    assert.equal(c.families.ipv6.prefer, "temporary");

    const home = c.providers.get("home");
    assert.ok(home);
    assert.equal(home.type, "cloudflare");
    assert.equal(home.refreshDays, 30);
    assert.equal(home.line, 18);
    assert.deepEqual(home.secretKeys, ["token"]);
    assert.deepEqual(home.values, {
      type: "cloudflare",
      token: "tok-inline-123",
      zone: "example.org",
      proxied: false,
      endpoint: "http://[::1]:8443/client/v4",
      refresh_days: 30,
    });
    assert.match(home.fingerprint, /^[0-9a-f]{16}$/);

    assert.deepEqual(c.records, [
      { name: "home.example.org", provider: "home", families: ["ipv4", "ipv6"], ttl: 300, line: 27, verify: "auto", verifyIntervalS: 86400 },
      { name: "*.lab.example.org", provider: "home", families: ["ipv6"], line: 32, verify: "auto", verifyIntervalS: 86400 },
    ]);
    assert.deepEqual(c.push, { names: ["home.example.org"], username: "router", password: "pw-inline-456" });
  });

  it("push with username and token/parse/accepted (Basic user name checked, token as password)", async () => {
    const c = await parse(`${CLOUDFLARE}\n[[records]]\nname = "a.example.org"\nprovider = "home"\n[push]\nnames = ["A.example.org."]\nusername = "fritz"\ntoken = "t0k-push-basic-user"\n`);
    assert.deepEqual(c.push, { names: ["a.example.org"], username: "fritz", token: "t0k-push-basic-user" });
  });

  it("provider without endpoint or refresh_days/parse/spec defaults", async () => {
    const c = await parse(CLOUDFLARE);
    const home = c.providers.get("home");
    assert.equal(home?.values.endpoint, "https://api.cloudflare.com/client/v4");
    assert.equal(home?.refreshDays, 0);
    assert.equal(home?.values.refresh_days, 0);
  });

  it("disabled ipv6/record without families/only ipv4", async () => {
    const c = await parse(`[ipv6]\nenabled = false\n${CLOUDFLARE}\n[[records]]\nname = "a.example.org"\nprovider = "home"\n`);
    assert.deepEqual(c.records[0]?.families, ["ipv4"]);
    assert.equal(c.families.ipv6.enabled, false);
  });

  it("records as an inline array/parse/accepted with lines", async () => {
    const c = await parse(`records = [\n  { name = "a.example.org", provider = "home" },\n  { name = "b.example.org", provider = "home" },\n]\n${CLOUDFLARE}`);
    assert.deepEqual(
      c.records.map((r) => [r.name, r.line]),
      [
        ["a.example.org", 2],
        ["b.example.org", 3],
      ],
    );
  });

  it("the shipped example/load/validates and does nothing", async () => {
    const c = await loadConfig({ file: join(root, "packaging/ddns.toml") });
    assert.deepEqual(c.records, []);
    assert.equal(c.providers.size, 0);
    assert.equal(c.push, undefined);
    assert.equal(c.families.ipv4.enabled, true);
  });

  it("the shipped example with its comments undone/parse/validates", async () => {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(join(root, "packaging/ddns.toml"), "utf8");
    // Uncomment the provider, record and push tables (not the alternative key lines).
    const lines = text.split("\n").map((l) => l.replace(/^# (\[|(?:type|token_file|zone|name|provider|families|ttl|names|username|password_file)\b)/, "$1"));
    const t = await tempDir();
    try {
      const token = await t.write("cf.token", "tok-shipped-example\n");
      const pw = await t.write("push.pw", "pw-shipped-example\n");
      const edited = lines
        .join("\n")
        .replace("/etc/ddns/cloudflare.token", token)
        .replace("/etc/ddns/push.password", pw)
        .replace(/^\[providers\.noip\][^]*?(?=\n# One table)/m, "");
      const c = await parse(edited);
      assert.deepEqual(c.records.map((r) => r.name), ["home.example.org"]);
      assert.equal(c.providers.get("cloudflare")?.values.token, "tok-shipped-example");
      assert.equal(c.push?.password, "pw-shipped-example");
    } finally {
      await t.done();
    }
  });

  it("missing file/load/CONFIG_UNREADABLE naming the absolute path", async () => {
    const t = await tempDir();
    try {
      await assert.rejects(loadConfig({ file: join(t.dir, "nope.toml") }), (e: Error & { code?: string }) => {
        assert.equal(e.code, "CONFIG_UNREADABLE");
        assert.equal(e.message, `${join(t.dir, "nope.toml")}: cannot read the config (ENOENT: no such file)`);
        return true;
      });
      await assert.rejects(loadConfig({ file: t.dir }), { code: "CONFIG_UNREADABLE" });
    } finally {
      await t.done();
    }
  });

  it("relative path/load/messages name the absolute path", async () => {
    const t = await tempDir();
    const cwd = process.cwd();
    try {
      await t.write("bad.toml", "[ipv4]\nenabled = 1\n");
      process.chdir(t.dir);
      await assert.rejects(loadConfig({ file: "bad.toml" }), {
        code: "CONFIG_INVALID",
        message: `${join(t.dir, "bad.toml")}:2: ipv4.enabled: must be true or false, not an integer`,
      });
    } finally {
      process.chdir(cwd);
      await t.done();
    }
  });

  it("invalid UTF-8/load/CONFIG_INVALID", async () => {
    const t = await tempDir();
    try {
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(t.dir, "x.toml"), Buffer.from([0x61, 0x3d, 0x22, 0xff, 0x22, 0x0a]));
      await assert.rejects(loadConfig({ file: join(t.dir, "x.toml") }), { code: "CONFIG_INVALID", message: /not valid UTF-8/ });
    } finally {
      await t.done();
    }
  });

  it("syntax error/parse/names the line", async () => {
    const e = await refused("[ipv4]\nenabled = true\nsources = [\"http\"\n");
    assert.equal(e.code, "CONFIG_INVALID");
    assert.match(e.message, new RegExp(`^${FILE}:4: syntax: `));
    const dup = await refused("[ipv4]\nenabled = true\n\nenabled = false\n");
    assert.match(dup.message, new RegExp(`^${FILE}:4: syntax: Cannot redefine existing key`));
  });
});

describe("Config - push secrets for the reconciler", () => {
  it("[push] password_credential missing/load without push secrets/valid, nothing read", async () => {
    const { parseConfigText } = await import("../../src/config/load.js");
    const text = `[providers.p]\ntype = "dyndns2"\nendpoint = "http://127.0.0.1:1"\nusername = "u"\npassword = "dyndns2-pw-123456"\n[[records]]\nname = "a.example.org"\nprovider = "p"\n[push]\nnames = ["a.example.org"]\nusername = "router"\npassword_credential = "push"\n`;
    const c = await parseConfigText(text, "/etc/ddns/ddns.toml", { credentialsDir: "/nonexistent", fileMode: 0o600, pushSecrets: false });
    assert.deepEqual(c.push?.names, ["a.example.org"]);
    assert.equal(c.push?.password, undefined);
    assertNoSecretsIn(SECRETS, [printable(c)]);
    const e = await parseConfigText(text, "/etc/ddns/ddns.toml", { credentialsDir: "/nonexistent", fileMode: 0o600 }).then(
      () => assert.fail("accepted without the push credential"),
      (x: unknown) => x,
    );
    assert.ok(e instanceof DdnsError, String(e));
    assertNoSecretsIn(SECRETS, [e]);
  });
});
