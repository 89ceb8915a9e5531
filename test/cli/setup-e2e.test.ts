import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCloudflareServer } from "../helpers/cloudflare-server.js";
import { ROOT, runDdns } from "../helpers/ddns.js";
import { assertNoSecrets } from "../helpers/secrets.js";

const TOKEN = "duck-setup-token-7f3e9a";

/**
 * Drives `ddns setup` through a pseudo-terminal (python3's pty module): each
 * [expected prompt, answer] pair is waited for, then typed. Returns the transcript.
 */
function dialogue(args: string[], steps: Array<[string, string]>): Promise<{ code: number | null; transcript: string }> {
  const driver = `
import os, pty, sys, json, select, time
steps = json.loads(sys.argv[1]); argv = json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execve(argv[0], argv, {"PATH": "/usr/bin:/bin"})
out = b""
def read_until(s, deadline):
    global out
    while s.encode() not in out:
        if time.time() > deadline: raise SystemExit("timeout waiting for " + s + "\\n" + out.decode(errors="replace"))
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try: out += os.read(fd, 4096)
            except OSError: break
for prompt, answer in steps:
    read_until(prompt, time.time() + 30)
    out = out + b"\\n<<" + answer.encode() + b">>\\n" if False else out
    os.write(fd, answer.encode() + b"\\r")
    time.sleep(0.1)
while True:
    try:
        d = os.read(fd, 4096)
        if not d: break
        out += d
    except OSError: break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(status))
`;
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", driver, JSON.stringify(steps), JSON.stringify(["/usr/bin/unshare", "--net", process.execPath, `${ROOT}bin/ddns`, "setup", ...args])], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, transcript: out.replace(/\r/g, "") }));
  });
}

async function root() {
  const r = await mkdtemp(join(tmpdir(), "ddns-setup-"));
  await mkdir(join(r, "etc/ddns"), { recursive: true });
  const kept = `# my own comment\n[ipv4]\nsources = ["event", "interface"]\n`;
  await writeFile(join(r, "etc/ddns/ddns.toml"), kept);
  return { r, kept };
}

describe("CLI - ddns setup through the real bin/ddns", () => {
  it("without a terminal and without flags/exit 2, pointing at the file and the flags; nothing written", async () => {
    const { r, kept } = await root();
    const x = await runDdns(["setup", "--root", r]);
    assert.equal(x.code, 2);
    assert.match(x.stderr, /asks its questions on a terminal.*\n.*ddns setup --provider TYPE --name/);
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), kept);
  });

  it("non-interactive flags/provider and record appended, the rest kept, a backup, the secret a 0600 credential with its drop-in; ddns check accepts it", async () => {
    const { r, kept } = await root();
    await writeFile(join(r, "tok"), TOKEN + "\n");
    const x = await runDdns(["setup", "--root", r, "--provider", "duckdns", "--name", "myhost.duckdns.org", "--token-file", join(r, "tok"), "--families", "ipv4", "--no-check"]);
    assert.equal(x.code, 0, x.stderr);
    const text = await readFile(join(r, "etc/ddns/ddns.toml"), "utf8");
    assert.ok(text.startsWith(kept), "what setup did not touch is kept");
    assert.match(text, /\[providers\.duckdns\]\ntype = "duckdns"\ntoken_credential = "ddns-duckdns-myhost-duckdns-org"/);
    assert.match(text, /name = "myhost\.duckdns\.org"\nprovider = "duckdns"\nfamilies = \["ipv4"\]/);
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml.bak"), "utf8"), kept);
    const cred = join(r, "etc/ddns/credentials/ddns-duckdns-myhost-duckdns-org");
    assert.equal((await stat(cred)).mode & 0o777, 0o600);
    assert.equal(await readFile(cred, "utf8"), `${TOKEN}\n`);
    assert.equal(
      await readFile(join(r, "etc/systemd/system/ddns.service.d/50-ddns-duckdns-myhost-duckdns-org.conf"), "utf8"),
      "[Service]\nLoadCredential=ddns-duckdns-myhost-duckdns-org:/etc/ddns/credentials/ddns-duckdns-myhost-duckdns-org\n",
    );
    // Under --root nothing is encrypted, and the output says why (not "not available").
    assert.match(x.stdout, /mode 0600, not encrypted: --root prepares another system, whose systemd could not decrypt what this host's key encrypts/);
    const check = await runDdns(["check", "--config", join(r, "etc/ddns/ddns.toml")], { CREDENTIALS_DIRECTORY: join(r, "etc/ddns/credentials") });
    assert.equal(check.code, 0, check.stderr);
    // A second record: a second provider table, the first kept.
    const y = await runDdns(["setup", "--root", r, "--provider", "duckdns", "--name", "other.duckdns.org", "--token-file", join(r, "tok"), "--no-check"]);
    assert.equal(y.code, 0, y.stderr);
    assert.match(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), /\[providers\.duckdns\][\s\S]*\[providers\.duckdns2\]/);
    await assertNoSecrets([TOKEN], { stdout: x.stdout + y.stdout + check.stdout, stderr: x.stderr + y.stderr + check.stderr, files: [join(r, "etc/ddns/ddns.toml")] });
  });

  it("run again/same name and type: the secret is replaced, ddns.toml and its backup untouched; another type for that name: exit 2, nothing written", async () => {
    const { r } = await root();
    await writeFile(join(r, "tok"), TOKEN + "\n");
    const args = ["setup", "--root", r, "--provider", "duckdns", "--name", "myhost.duckdns.org", "--families", "ipv4", "--no-check"];
    assert.equal((await runDdns([...args, "--token-file", join(r, "tok")])).code, 0);
    const config = await readFile(join(r, "etc/ddns/ddns.toml"), "utf8");
    const backup = await readFile(join(r, "etc/ddns/ddns.toml.bak"), "utf8");
    const rotated = "duck-rotated-token-51c0d2";
    await writeFile(join(r, "tok2"), rotated + "\n");
    // The name as typed differently (case, trailing dot) is the same record.
    const again = await runDdns(["setup", "--root", r, "--provider", "duckdns", "--name", "MyHost.DuckDNS.org.", "--no-check", "--token-file", join(r, "tok2")]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /unchanged — myhost\.duckdns\.org was already set up via \[providers\.duckdns\]; its secret was replaced/);
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), config, "one provider table and one record, as before");
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml.bak"), "utf8"), backup);
    assert.equal(await readFile(join(r, "etc/ddns/credentials/ddns-duckdns-myhost-duckdns-org"), "utf8"), `${rotated}\n`);
    const other = await runDdns(["setup", "--root", r, "--provider", "dynv6", "--name", "myhost.duckdns.org", "--no-check", "--token-file", join(r, "tok2")]);
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /myhost\.duckdns\.org already has a record \(provider "duckdns", type duckdns\); edit or remove it there, or choose another name; nothing was written/);
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), config);
    await assert.rejects(stat(join(r, "etc/ddns/credentials/ddns-dynv6-myhost-duckdns-org")));
    await assertNoSecrets([TOKEN, rotated], { stdout: again.stdout + other.stdout, stderr: again.stderr + other.stderr, files: [join(r, "etc/ddns/ddns.toml")] });
  });

  it("bad flags/an unknown type or a bad name is refused before anything is written", async () => {
    const { r, kept } = await root();
    await writeFile(join(r, "tok"), TOKEN);
    const a = await runDdns(["setup", "--root", r, "--provider", "nosuch", "--name", "a.example.org", "--token-file", join(r, "tok")]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown provider type "nosuch"/);
    const b = await runDdns(["setup", "--root", r, "--provider", "duckdns", "--name", "nodots", "--token-file", join(r, "tok")]);
    assert.equal(b.code, 2);
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), kept);
  });

  it("--set endpoint=/the read-only check asks the configured endpoint: accepted → written; refused → exit 77, nothing written", async () => {
    const cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "zone0000000000000000000000000018" }] });
    try {
      const { r, kept } = await root();
      await writeFile(join(r, "good"), TOKEN + "\n");
      await writeFile(join(r, "bad"), "not-the-token-4711\n");
      const bad = await runDdns(["setup", "--root", r, "--provider", "cloudflare", "--name", "home.example.org", "--token-file", join(r, "bad"), "--set", `endpoint=${cf.url}`, "--set", "zone=example.org"]);
      assert.equal(bad.code, 77, bad.stderr);
      assert.match(bad.stderr, /cloudflare did not accept the secret: .*; nothing was written/);
      assert.equal(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), kept);
      await assert.rejects(stat(join(r, "etc/ddns/credentials/ddns-cloudflare-home-example-org")), /ENOENT/);
      await assert.rejects(stat(join(r, "etc/systemd/system/ddns.service.d/50-ddns-cloudflare-home-example-org.conf")), /ENOENT/);
      const asked = cf.requests.length;
      assert.ok(asked > 0, "the mock was asked, not api.cloudflare.com");
      const good = await runDdns(["setup", "--root", r, "--provider", "cloudflare", "--name", "home.example.org", "--token-file", join(r, "good"), "--set", `endpoint=${cf.url}`, "--set", "zone=example.org", "--set", "proxied=false"]);
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /cloudflare accepted the secret \(read-only check\)/);
      assert.ok(cf.requests.slice(asked).every((q) => q.method === "GET"), "read-only");
      assert.deepEqual(cf.violations(), []);
      const text = await readFile(join(r, "etc/ddns/ddns.toml"), "utf8");
      assert.match(text, new RegExp(`type = "cloudflare"\nendpoint = "${cf.url.replaceAll(".", "\\.")}"\nzone = "example.org"\nproxied = false\ntoken_credential = "ddns-cloudflare-home-example-org"`));
      await assertNoSecrets([TOKEN, "not-the-token-4711"], { stdout: bad.stdout + good.stdout, stderr: bad.stderr + good.stderr, files: [join(r, "etc/ddns/ddns.toml")] });
    } finally {
      await cf.close();
    }
  });

  it("--set mistakes/a secret key, an unknown key, a missing required key, a bad boolean: exit 2, nothing written", async () => {
    const { r, kept } = await root();
    await writeFile(join(r, "tok"), TOKEN);
    const base = ["setup", "--root", r, "--name", "home.example.org", "--token-file", join(r, "tok"), "--no-check"];
    const cases: Array<[string[], RegExp]> = [
      [["--provider", "cloudflare", "--set", `token=${TOKEN}`], /--set token: a secret goes in --token-file, never on the command line/],
      [["--provider", "cloudflare", "--set", "zonee=example.org"], /cloudflare takes no key "zonee" \(it takes endpoint, zone, proxied\)/],
      [["--provider", "dyndns2"], /dyndns2 needs username \(.*\): add --set username=VALUE/],
      [["--provider", "cloudflare", "--set", "proxied=yes"], /--set proxied: true or false/],
      [["--provider", "cloudflare", "--set", "zone"], /give KEY=VALUE/],
    ];
    for (const [extra, why] of cases) {
      const x = await runDdns([...base, ...extra]);
      assert.equal(x.code, 2, `${extra.join(" ")}: ${x.stderr}`);
      assert.match(x.stderr, why);
      assert.doesNotMatch(x.stderr + x.stdout, new RegExp(TOKEN));
    }
    assert.equal(await readFile(join(r, "etc/ddns/ddns.toml"), "utf8"), kept);
  });

  it("the dialogue on a pseudo-terminal/provider, name, families with what detection sees, hidden secret; the config written and valid", async () => {
    const { r, kept } = await root();
    const d = await dialogue(["--root", r, "--no-check"], [
      ["provider (number or type):", "duckdns"],
      ["record name", "pty.duckdns.org"],
      ["families [", "ipv4"],
      ["endpoint [https://www.duckdns.org]:", ""],
      ["not shown", TOKEN],
      ["enable ddns.path", "n"],
    ]);
    assert.equal(d.code, 0, d.transcript);
    assert.match(d.transcript, /duckdns takes:\n\s+token \(required\)/);
    assert.match(d.transcript, /ipv4 now: /);
    assert.doesNotMatch(d.transcript, new RegExp(TOKEN), "the secret is not echoed");
    const text = await readFile(join(r, "etc/ddns/ddns.toml"), "utf8");
    assert.ok(text.startsWith(kept));
    assert.match(text, /name = "pty\.duckdns\.org"/);
    assert.equal(await readFile(join(r, "etc/ddns/credentials/ddns-duckdns-pty-duckdns-org"), "utf8"), `${TOKEN}\n`);
    await writeFile(join(r, "transcript.txt"), d.transcript);
  });
});
