import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBind, type BindServer } from "../../helpers/bind.js";
import { runDdns } from "../../helpers/ddns.js";
import { assertNoSecrets } from "../../helpers/secrets.js";

/** The whole program (`ddns run`, bundled) against a real BIND: the exit codes an operator sees. */
describe("Provider - rfc2136 through ddns run", () => {
  let bind: BindServer;
  let dir: string;
  before(async () => {
    bind = await startBind({ "ddns-key": "hmac-sha256" }, [{ name: "example.net", policy: 'update-policy { grant "ddns-key" zonesub A AAAA; };' }]);
    dir = await mkdtemp(join(tmpdir(), "ddns-rfc2136-e2e-"));
  });
  after(async () => {
    await bind?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `ddns run` then `ddns check --online` with `secret` as the key; their stdout, stderr, state and events are scanned for it and BIND's key. */
  async function run(name: string, secret: string, address: string) {
    const sub = join(dir, name);
    await writeFile(join(dir, `${name}.secret`), `${secret}\n`);
    await writeFile(
      join(dir, `${name}.toml`),
      `[ipv4]
sources = ["static"]
address = "${address}"
accept_private = true
[ipv6]
enabled = false
[providers.bind]
type = "rfc2136"
server = "127.0.0.1:${bind.port}"
zone = "example.net"
key_name = "ddns-key"
key_secret_file = "${join(dir, `${name}.secret`)}"
[[records]]
name = "${name}.example.net"
provider = "bind"
ttl = 60
`,
    );
    const r = await runDdns(["run", "--config", join(dir, `${name}.toml`), "--state-dir", join(sub, "state"), "--events-dir", join(sub, "events")]);
    await assertNoSecrets([secret, bind.keys["ddns-key"]!.secret], { stdout: r.stdout, stderr: r.stderr, dirs: [sub] });
    const check = await runDdns(["check", "--online", "--config", join(dir, `${name}.toml`), "--state-dir", join(sub, "state"), "--events-dir", join(sub, "events")]);
    await assertNoSecrets([secret, bind.keys["ddns-key"]!.secret], { stdout: check.stdout, stderr: check.stderr, dirs: [sub] });
    return { ...r, check };
  }

  it("right key/ddns run, check --online/exit 0 and BIND serves the address", async () => {
    const r = await run("home", bind.keys["ddns-key"]!.secret, "192.0.2.123");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.check.code, 0, r.check.stdout + r.check.stderr);
    assert.deepEqual(await bind.query("home.example.net", "A"), ["192.0.2.123"]);
  });

  it("wrong key/ddns run, check --online/exit 77, the reason names the record, no secret printed", async () => {
    const wrong = Buffer.alloc(32, 9).toString("base64");
    const r = await run("bad", wrong, "192.0.2.124");
    assert.equal(r.code, 77, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /bad\.example\.net.*BADSIG/s);
    assert.equal(r.check.code, 77, r.check.stdout + r.check.stderr);
    assert.deepEqual(await bind.query("bad.example.net", "A"), []);
  });
});
