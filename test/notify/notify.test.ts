import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.js";
import { reconcile, type ReconcileDeps } from "../../src/engine/reconcile.js";
import type { FamilyDetection, RunTransition } from "../../src/engine/types.js";
import type { Family } from "../../src/ip-source/types.js";
import { createHttpClient } from "../../src/net/http.js";
import { sendNotifications, type NotifyTransition } from "../../src/notify/send.js";
import type { State } from "../../src/state/types.js";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { runDdns } from "../helpers/ddns.js";
import { startMockApi, type MockApi } from "../helpers/mock-api.js";
import { assertNoSecrets, assertNoSecretsIn } from "../helpers/secrets.js";
import { config } from "../fakes/config.js";
import { FakeProvider } from "../fakes/provider.js";
import { MemoryLogger } from "../fakes/logger.js";

const HC_KEY = "5f1c2a9e-hc-ping-key-7781";
const HOOK_KEY = "hookKey-Zr81qa0";
const BASE = `[ipv4]\nsources = ["static"]\naddress = "192.0.2.1"\naccept_private = true\n[ipv6]\nenabled = false\n`;

async function configProblems(notify: string): Promise<string> {
  try {
    await parseConfigText(`${BASE}${notify}`, "/etc/ddns/ddns.toml");
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

describe("[notify] validation", () => {
  it("accepts command, url, ping_url, fail_url and timeout", async () => {
    const c = await parseConfigText(`${BASE}[notify]\ncommand = ["/usr/local/bin/tell", "--x"]\nurl = "https://hooks.example.net/${HOOK_KEY}"\nping_url = "https://hc-ping.com/${HC_KEY}"\nfail_url = "https://hc-ping.com/${HC_KEY}/fail"\ntimeout = 3\n`, "/etc/ddns/ddns.toml");
    assert.deepEqual(c.notify?.command, ["/usr/local/bin/tell", "--x"]);
    assert.equal(c.notify?.timeoutMs, 3000);
    assert.equal(c.notify?.failUrl, `https://hc-ping.com/${HC_KEY}/fail`);
  });
  it("reports file, line and key; suggests the nearest key; never quotes a URL", async () => {
    const m = await configProblems(`[notify]\npingurl = "https://hc-ping.com/${HC_KEY}"\nurl = "http://hooks.example.net/${HOOK_KEY}"\nfail_url = "ftp://x/${HC_KEY}"\ncommand = ["tell"]\ntimeout = 99\n`);
    assert.match(m, /ddns\.toml:8: notify\.pingurl: unknown key "pingurl" \(did you mean "ping_url"\?\)/);
    assert.match(m, /ddns\.toml:9: notify\.url: uses plain http:\/\//);
    assert.match(m, /ddns\.toml:10: notify\.fail_url: must be an https:\/\/ URL/);
    assert.match(m, /ddns\.toml:11: notify\.command: the program "tell" must be an absolute path/);
    assert.match(m, /ddns\.toml:12: notify\.timeout: must be from 1 to 30/);
    assertNoSecretsIn([HC_KEY, HOOK_KEY], [m]);
  });
  it("an empty [notify], a secret given twice, an unreadable url_file", async () => {
    assert.match(await configProblems("[notify]\n"), /names no way to notify/);
    assert.match(await configProblems(`[notify]\nurl = "https://a.example/${HOOK_KEY}"\nurl_file = "/x"\n`), /give url only once/);
    assert.match(await configProblems(`[notify]\nping_url_file = "/nonexistent/ddns-test-url"\n`), /cannot read the secret file/);
  });
  it("url_file: the URL is read from the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-notify-"));
    await writeFile(join(dir, "u"), `https://hc-ping.com/${HC_KEY}\n`);
    const c = await parseConfigText(`${BASE}[notify]\nping_url_file = "${join(dir, "u")}"\n`, "/etc/ddns/ddns.toml");
    assert.equal(c.notify?.pingUrl, `https://hc-ping.com/${HC_KEY}`);
  });
});

/** A receiver on loopback that records what it is sent. */
async function receiver(status = 200): Promise<MockApi> {
  return startMockApi((req, violate) => (req.method !== "POST" ? violate("notifications are POSTs") : { status, body: "OK" }));
}

const T = (event: NotifyTransition["event"], family: Family, message: string): NotifyTransition => ({ event, record: "a.example.org", family, provider: "p", message, at: 1_800_000_000_000 });

describe("sendNotifications against loopback receivers and a real command", () => {
  let r: MockApi;
  before(async () => void (r = await receiver()));
  after(() => r.close());
  const deps = { http: async () => createHttpClient({ userAgent: "ddns-test" }), now: () => 1_800_000_000_000, host: "box" };

  it("url gets one JSON POST with every transition; ping_url on good news only", async () => {
    const n = r.requests.length;
    const res = await sendNotifications(
      { url: `${r.url}/hook/${HOOK_KEY}`, pingUrl: `${r.url}/ping/${HC_KEY}`, failUrl: `${r.url}/ping/${HC_KEY}/fail`, timeoutMs: 5000 },
      [T("updated", "ipv4", "a.example.org (ipv4) now points to 192.0.2.1")],
      deps,
    );
    assert.deepEqual(res.map((x) => [x.channel, x.ok]), [["url", true], ["ping_url", true]]);
    const seen = r.requests.slice(n);
    assert.deepEqual(seen.map((s) => s.path).sort(), [`/hook/${HOOK_KEY}`, `/ping/${HC_KEY}`]);
    const hook = seen.find((s) => s.path.startsWith("/hook"))!;
    assert.equal(hook.headers["content-type"], "application/json");
    const doc = JSON.parse(hook.body) as { version: number; host: string; transitions: Array<Record<string, string>> };
    assert.equal(doc.version, 1);
    assert.equal(doc.host, "box");
    assert.deepEqual(doc.transitions.map((t) => [t["event"], t["record"], t["family"]]), [["updated", "a.example.org", "ipv4"]]);
    assertNoSecretsIn([HC_KEY, HOOK_KEY], res);
  });

  it("an IPv6 failure goes to fail_url as IPv6 only; the IPv4 update stays an update", async () => {
    const n = r.requests.length;
    await sendNotifications(
      { url: `${r.url}/hook`, pingUrl: `${r.url}/ping/${HC_KEY}`, failUrl: `${r.url}/ping/${HC_KEY}/fail`, timeoutMs: 5000 },
      [T("updated", "ipv4", "a.example.org (ipv4) now points to 192.0.2.1"), T("failed", "ipv6", "could not update a.example.org (ipv6): HTTP 500")],
      deps,
    );
    const seen = r.requests.slice(n);
    const fail = seen.find((s) => s.path.endsWith("/fail"));
    assert.ok(fail !== undefined, "fail_url was told");
    assert.equal(seen.some((s) => s.path === `/ping/${HC_KEY}`), false, "no success ping on a run with a failure");
    assert.match(fail.body, /^updated: a\.example\.org \(ipv4\).*\nfailed: could not update a\.example\.org \(ipv6\)/);
    const doc = JSON.parse(seen.find((s) => s.path === "/hook")!.body) as { transitions: Array<Record<string, string>> };
    assert.deepEqual(doc.transitions.map((t) => [t["event"], t["family"]]), [["updated", "ipv4"], ["failed", "ipv6"]]);
  });

  it("a receiver that never answers and a command that hangs are cut at the timeout; an error status is a failed channel", async () => {
    const hang: Server = createServer(() => undefined);
    await new Promise<void>((ok) => hang.listen(0, "127.0.0.1", ok));
    const bad = await receiver(500);
    try {
      const t0 = Date.now();
      const res = await sendNotifications(
        { url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/x`, pingUrl: `${bad.url}/p`, command: ["/bin/sleep", "30"], timeoutMs: 1000 },
        [T("recovered", "ipv4", "back")],
        deps,
      );
      const took = Date.now() - t0;
      assert.ok(took < 5000, `bounded: ${took} ms`);
      const by = Object.fromEntries(res.map((x) => [x.channel, x]));
      assert.equal(by["url"]?.ok, false);
      assert.match(by["url"]!.detail, /timeout/);
      assert.deepEqual([by["ping_url"]?.ok, by["ping_url"]?.detail], [false, "HTTP 500"]);
      assert.equal(by["command"]?.ok, false);
      assert.match(by["command"]!.detail, /killed at the notify timeout/);
    } finally {
      hang.closeAllConnections();
      hang.close();
      await bad.close();
    }
  });

  it("command: argv without a shell, once per transition, DDNS_* and JSON on stdin", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-notify-"));
    const script = join(dir, "hook.sh");
    await writeFile(script, `#!/bin/sh\n{ printf '%s|%s|%s|%s|%s|%s\\n' "$1" "$DDNS_EVENT" "$DDNS_RECORD" "$DDNS_FAMILY" "$DDNS_NEW" "$HOME"; cat; echo; } >> "${join(dir, "out")}"\n`);
    await chmod(script, 0o755);
    const t1 = { ...T("updated", "ipv4", "a (ipv4) now 192.0.2.1"), new: "192.0.2.1" };
    const res = await sendNotifications({ command: [script, "$(touch /tmp/x);"], timeoutMs: 5000 }, [t1, T("latched", "ipv6", "refused; latched")], deps);
    assert.deepEqual(res.map((x) => x.ok), [true]);
    const lines = (await readFile(join(dir, "out"), "utf8")).trim().split("\n").filter((l) => l !== "");
    assert.equal(lines[0], "$(touch /tmp/x);|updated|a.example.org|ipv4|192.0.2.1|", "argv passed verbatim; nothing of ddns's environment but PATH");
    assert.deepEqual(JSON.parse(lines[1]!), { version: 1, host: "box", event: "updated", record: "a.example.org", family: "ipv4", provider: "p", new: "192.0.2.1", message: "a (ipv4) now 192.0.2.1", at: "2027-01-15T08:00:00.000Z" });
    assert.match(lines[2]!, /\|latched\|a\.example\.org\|ipv6\|/);
  });
});

describe("reconcile: the Notifier", () => {
  const NOW = 1_800_000_000_000;
  function deps(stateRecords: State["records"], detected: Record<Family, FamilyDetection>, provider: FakeProvider, calls: RunTransition[][]): ReconcileDeps {
    const cfg = config([{ name: "a.example.org", families: ["ipv4", "ipv6"] }]);
    cfg.families.ipv6.enabled = true;
    return {
      config: cfg,
      now: () => NOW,
      random: () => 0.5,
      lock: { acquire: async () => ({ kind: "acquired", release: async () => undefined }) },
      events: { claim: async () => ({ events: [], refused: [], warnings: [], finish: async () => undefined }) },
      store: { path: "/x", load: async () => ({ kind: "ok", state: { version: 1, records: stateRecords } }), save: async () => undefined },
      detect: async () => detected,
      provider: async () => provider,
      logger: new MemoryLogger(),
      status: () => undefined,
      signal: () => AbortSignal.timeout(1000),
      force: false,
      notifier: { notify: async (t) => void calls.push([...t]) },
    };
  }
  const both: Record<Family, FamilyDetection> = { ipv4: { kind: "found", source: "static", addresses: ["192.0.2.9"] }, ipv6: { kind: "found", source: "static", addresses: ["2001:db8::9"] } };

  it("told once with the run's transitions: the IPv4 update and the IPv6 failure, each under its family", async () => {
    const calls: RunTransition[][] = [];
    const p = new FakeProvider();
    p.next = (u) => (u.family === "ipv6" ? { kind: "transient", reason: "HTTP 500" } : { kind: "updated" });
    await reconcile(deps({}, both, p, calls));
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.map((t) => [t.event, t.family]).sort(), [["failed", "ipv6"], ["updated", "ipv4"]]);
  });

  it("an idle run and a run without transitions tell nothing; a notifier that throws fails nothing", async () => {
    const calls: RunTransition[][] = [];
    const current: State["records"] = {
      "a.example.org/ipv4": { provider: "p", published: ["192.0.2.9"], failures: 0, pushedAt: NOW - 1000 },
      "a.example.org/ipv6": { provider: "p", published: ["2001:db8::9"], failures: 0, pushedAt: NOW - 1000 },
    };
    const r = await reconcile(deps(current, both, new FakeProvider(), calls));
    assert.deepEqual(r, { kind: "done", outcome: "ok", pushed: 0 });
    assert.equal(calls.length, 0);
    const d = deps({}, both, new FakeProvider(), calls);
    d.notifier = { notify: async () => Promise.reject(new Error("receiver down")) };
    const r2 = await reconcile(d);
    assert.equal(r2.kind === "done" && r2.outcome, "ok");
    assert.match((d.logger as MemoryLogger).warnings.join("\n"), /notification failed: receiver down/);
  });
});

describe("ddns run with [notify] (end to end through bin/ddns)", () => {
  const TOKEN = "cf-notify-token-Qx81";
  let cf: CloudflareServer;
  let hook: MockApi;
  before(async () => {
    cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "zone0000000000000000000000000001" }] });
    hook = await receiver();
  });
  after(async () => {
    await cf.close();
    await hook.close();
  });

  it("updated -> url and ping_url told, command run; no-op -> nothing; failure -> fail_url; notify --test", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-notify-e2e-"));
    await writeFile(join(dir, "token"), TOKEN);
    await writeFile(join(dir, "ping"), `${hook.url}/ping/${HC_KEY}\n`, { mode: 0o600 });
    const script = join(dir, "hook.sh");
    await writeFile(script, `#!/bin/sh\necho "$DDNS_EVENT $DDNS_RECORD $DDNS_FAMILY $DDNS_NEW" >> "${join(dir, "told")}"\n`);
    await chmod(script, 0o755);
    const text = (addr: string) => `[ipv4]\nsources = ["static"]\naddress = "${addr}"\naccept_private = true\n[ipv6]\nenabled = false\n` +
      `[providers.home]\ntype = "cloudflare"\nendpoint = "${cf.url}"\ntoken_file = "${join(dir, "token")}"\n[[records]]\nname = "home.example.org"\nprovider = "home"\n` +
      `[notify]\ncommand = ["${script}"]\nurl = "${hook.url}/hook/${HOOK_KEY}"\nping_url_file = "${join(dir, "ping")}"\nfail_url = "${hook.url}/ping/${HC_KEY}/fail"\ntimeout = 5\n`;
    await writeFile(join(dir, "ddns.toml"), text("198.51.100.40"), { mode: 0o600 });
    const args = ["--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "run", "events")];
    const out: string[] = [];

    const first = await runDdns(["run", ...args]);
    out.push(first.stdout, first.stderr);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(hook.requests.map((q) => q.path).sort(), [`/hook/${HOOK_KEY}`, `/ping/${HC_KEY}`]);
    assert.equal(await readFile(join(dir, "told"), "utf8"), "updated home.example.org ipv4 198.51.100.40\n");

    const n = hook.requests.length;
    const idle = await runDdns(["run", ...args]);
    out.push(idle.stdout, idle.stderr);
    assert.equal(idle.code, 0);
    assert.equal(hook.requests.length, n, "a run without transitions notifies nobody");

    await writeFile(join(dir, "ddns.toml"), text("198.51.100.41"), { mode: 0o600 });
    cf.fail({ status: 500, body: { success: false, errors: [{ code: 10000, message: "Internal error" }], messages: [], result: null } });
    const failing = await runDdns(["run", ...args]);
    out.push(failing.stdout, failing.stderr);
    assert.equal(failing.code, 75, failing.stderr);
    const told = hook.requests.slice(n).map((q) => q.path).sort();
    assert.deepEqual(told, [`/hook/${HOOK_KEY}`, `/ping/${HC_KEY}/fail`]);
    const doc = JSON.parse(hook.requests.slice(n).find((q) => q.path.startsWith("/hook"))!.body) as { transitions: Array<Record<string, string>> };
    assert.deepEqual(doc.transitions.map((t) => [t["event"], t["record"], t["family"]]), [["failed", "home.example.org", "ipv4"]]);

    const test = await runDdns(["notify", "--test", ...args]);
    out.push(test.stdout, test.stderr);
    assert.equal(test.code, 0, test.stderr + test.stdout);
    assert.match(test.stdout, /^command: ok/m);
    assert.match(test.stdout, /^url: ok \(HTTP 200\)/m);
    assert.match(test.stdout, /^ping_url: ok \(HTTP 200\)/m);

    await assertNoSecrets([TOKEN, HC_KEY, HOOK_KEY], { stdout: out.join("\n"), dirs: [join(dir, "state")] });
  });

  it("a receiver that is down: the run still succeeds and says so, without the URL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-notify-e2e-"));
    await writeFile(join(dir, "token"), TOKEN);
    const dead = await receiver();
    const url = `${dead.url}/ping/${HC_KEY}`;
    await dead.close();
    await writeFile(join(dir, "ddns.toml"), `[ipv4]\nsources = ["static"]\naddress = "198.51.100.50"\naccept_private = true\n[ipv6]\nenabled = false\n` +
      `[providers.home]\ntype = "cloudflare"\nendpoint = "${cf.url}"\ntoken_file = "${join(dir, "token")}"\n[[records]]\nname = "down.example.org"\nprovider = "home"\n[notify]\nping_url = "${url}"\ntimeout = 2\n`, { mode: 0o600 });
    const r = await runDdns(["run", "--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "run", "events")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /notification via ping_url failed: request failed/);
    await assertNoSecrets([TOKEN, HC_KEY], { stdout: r.stdout, stderr: r.stderr, dirs: [join(dir, "state")] });
  });
});
