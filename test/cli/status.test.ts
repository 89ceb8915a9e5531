import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTimers, parseUnits, statusCommand } from "../../src/cli/status.js";
import type { Runtime } from "../../src/cli/runtime.js";
import { runDdns } from "../helpers/ddns.js";

const NOW = Date.parse("2026-12-05T12:00:00Z");

async function world() {
  const dir = await mkdtemp(join(tmpdir(), "ddns-status-"));
  await writeFile(join(dir, "token"), "status-token-xyz\n");
  await writeFile(
    join(dir, "ddns.toml"),
    `[providers.home]\ntype = "cloudflare"\ntoken_file = "${join(dir, "token")}"\n[providers.noip]\ntype = "noip"\nusername = "u"\npassword_file = "${join(dir, "token")}"\n` +
      `[[records]]\nname = "home.example.org"\nprovider = "home"\n[[records]]\nname = "nas.example.org"\nprovider = "noip"\nfamilies = ["ipv4"]\n`,
  );
  await mkdir(join(dir, "state"));
  const state = {
    version: 1,
    lastRun: { at: NOW - 3_600_000, cause: "event", events: ["eth0 (networkmanager dhcp4-change)"] },
    records: {
      "home.example.org/ipv4": { provider: "home", published: ["198.51.100.7"], changedAt: NOW - 86_400_000, pushedAt: NOW - 3_600_000, failures: 0 },
      "home.example.org/ipv6": { provider: "home", published: ["2001:db8::1"], failures: 3, retryAt: NOW + 600_000, lastError: "cloudflare answered HTTP 502" },
      "nas.example.org/ipv4": { provider: "noip", published: null, failures: 0, lastError: "badauth", latched: { reason: "No-IP refused the username or password (badauth)", at: NOW - 7_200_000, fingerprint: "x" } },
    },
  };
  await writeFile(join(dir, "state", "state.json"), JSON.stringify(state));
  return dir;
}

function rt(lines: string[]): Runtime {
  return {
    version: "t", userAgent: "t", now: () => NOW, random: () => 0.5, pid: 1, uid: 0, credentialsDir: undefined, journal: false, notify: false,
    out: (l) => lines.push(l), err: (l) => lines.push(l), procIfInet6: "/nonexistent", trigger: undefined, interactive: false,
    hostId: () => "test-host", systemResolvers: () => [], authoritativePort: 53,
  };
}

describe("CLI - status", () => {
  it("current, backing off and latched records/each says since when, until when and what to do; what started the last runs; next timer", async () => {
    const dir = await world();
    const lines: string[] = [];
    const units = async () => ({ lastStart: NOW - 60_000, lastStatus: 0, lastResult: "success", lastTimer: NOW - 60_000, nextTimer: NOW + 3_000_000 });
    const code = await statusCommand({ config: join(dir, "ddns.toml"), stateDir: join(dir, "state"), eventsDir: "/nonexistent", dryRun: false }, false, rt(lines), { units });
    assert.equal(code, 0);
    const text = lines.join("\n");
    assert.match(text, /^home\.example\.org \(ipv4\) via home: 198\.51\.100\.7, since 2026-12-04T12:00:00\.000Z \(24 h ago\)$/m);
    assert.match(text, /^home\.example\.org \(ipv6\) via home: FAILING \(3 attempt\(s\)\): cloudflare answered HTTP 502; backing off until 2026-12-05T12:10:00\.000Z/m);
    assert.match(text, /what to do: nothing: ddns tries again by itself after the backoff/);
    assert.match(text, /^nas\.example\.org \(ipv4\) via noip: LATCHED OFF since 2026-12-05T10:00:00\.000Z: No-IP refused/m);
    assert.match(text, /what to do: fix \[providers\.noip\] in .*ddns\.toml or its secret/);
    assert.match(text, /^last run that pushed: 2026-12-05T11:00:00\.000Z \(60 min ago\), started by event: eth0 \(networkmanager dhcp4-change\)$/m);
    assert.match(text, /^last run: 2026-12-05T11:59:00\.000Z \(60 s ago\), exit status 0, started by timer$/m);
    assert.match(text, /^next timer run: 2026-12-05T12:50:00\.000Z$/m);
    assert.doesNotMatch(text, /status-token-xyz/);
  });

  it("--json/health and advice per record, lastChangeRun and systemd fields", async () => {
    const dir = await world();
    const lines: string[] = [];
    await statusCommand({ config: join(dir, "ddns.toml"), stateDir: join(dir, "state"), eventsDir: "/x", dryRun: false }, true, rt(lines), { units: async () => ({}) });
    const doc = JSON.parse(lines.join("\n"));
    assert.deepEqual(doc.records.map((r: { health: string }) => r.health), ["current", "waiting", "latched"]);
    assert.equal(doc.lastChangeRun.cause, "event");
    assert.equal(doc.systemd.nextTimer, null);
  });

  it("systemctl show output/parsed: unix timestamps, never-run units give nothing", () => {
    const t = parseUnits("ExecMainStartTimestamp=@1764936000\nExecMainStatus=75\nResult=exit-code\n\nNextElapseUSecRealtime=@1764939600\nLastTriggerUSec=@1764935999\n");
    assert.deepEqual(t, { lastStart: 1764936000000, lastStatus: 75, lastResult: "exit-code", nextTimer: 1764939600000, lastTimer: 1764935999000 });
    assert.deepEqual(parseUnits("ExecMainStartTimestamp=\nExecMainStatus=0\nResult=success\n\nNextElapseUSecRealtime=\nLastTriggerUSec=\n"), {});
  });

  it("real bin/ddns outside the service/credentials not read: no $CREDENTIALS_DIRECTORY, an unreadable secret file → still exit 0; a bad secret path still 78", async () => {
    const dir = await world();
    const toml = join(dir, "cred.toml");
    await writeFile(toml, `[providers.home]\ntype = "cloudflare"\ntoken_credential = "ddns-cloudflare-home"\n[providers.noip]\ntype = "noip"\nusername = "u"\npassword_file = "${join(dir, "missing")}"\n[[records]]\nname = "home.example.org"\nprovider = "home"\n[[records]]\nname = "nas.example.org"\nprovider = "noip"\nfamilies = ["ipv4"]\n`);
    const r = await runDdns(["status", "--config", toml, "--state-dir", join(dir, "state")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /home\.example\.org/);
    // check still reads them: it is how a user finds a missing secret.
    assert.equal((await runDdns(["check", "--config", toml])).code, 78);
    await writeFile(toml, `[providers.home]\ntype = "cloudflare"\ntoken_file = "relative/path"\n[[records]]\nname = "home.example.org"\nprovider = "home"\n`);
    const bad = await runDdns(["status", "--config", toml, "--state-dir", join(dir, "state")]);
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /must be an absolute path/);
  });

  it("systemctl list-timers -o json/next and last in ms; never triggered, other units, no JSON give nothing", () => {
    // As systemd 252 prints it for a started ddns.timer that never fired (captured in the booted test systemd).
    const real = '[{"next":1796491368734278,"left":1796491368734278,"last":0,"passed":0,"unit":"ddns.timer","activates":"ddns.service"}]';
    assert.deepEqual(parseTimers(real), { nextTimer: 1796491368734 });
    assert.deepEqual(parseTimers('[{"next":1796491368734278,"last":1796490000000001,"unit":"ddns.timer"}]'), { nextTimer: 1796491368734, lastTimer: 1796490000000 });
    assert.deepEqual(parseTimers('[{"next":5,"unit":"other.timer"}]'), {});
    assert.deepEqual(parseTimers("NEXT LEFT LAST PASSED UNIT ACTIVATES\n"), {});
    assert.deepEqual(parseTimers(""), {});
    // show prints NextElapseUSecRealtime as a local date whatever --timestamp says: not taken for a time.
    assert.deepEqual(parseUnits("Result=success\nExecMainStartTimestamp=\nExecMainStatus=0\n\nNextElapseUSecRealtime=Sat 2026-12-05 17:31:56 UTC\nLastTriggerUSec=\n"), {});
  });

  it("real bin/ddns without systemd/the records and the last pushing run, no systemd lines, exit 0", async () => {
    const dir = await world();
    const r = await runDdns(["status", "--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /LATCHED OFF/);
    assert.match(r.stdout, /started by event/);
  });
});
