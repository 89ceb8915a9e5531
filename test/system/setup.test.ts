import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { bootSystemd, systemdUnavailable, waitFor, REPO, type BootedSystemd } from "../helpers/systemd-harness.js";
import type { ProviderCommand } from "../helpers/netns-provider.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import { recording, systemSeen, type Recorded } from "../helpers/systemd-seen.js";

/*
 * `ddns setup` on a real system (issue 18): inside a booted systemd (PID 1 in its
 * own namespaces, /etc and /var as throw-away overlays), non-interactive setup
 * stores the secret the way the host allows, and the shipped ddns.service, started
 * by systemctl, reads it and pushes to the strict dyndns2 mock on the booted
 * system's loopback (test/helpers/netns-provider.ts, in front of dyndns2-server.ts).
 *
 * 1. systemd-creds cannot encrypt (/var/lib/systemd is read-only, so no host key can
 *    be made: systemd-creds says "Read-only file system"): a 0600 file and LoadCredential=.
 * 2. systemd-creds works: the host key is made in the overlay /var, the secret goes to
 *    NAME.cred on stdin (no plain copy on disk) and LoadCredentialEncrypted=.
 * Then `ddns check` with both credentials as the service gets them (systemd-run),
 * `systemctl start ddns.service` pushes both records, and `ddns status` shows the
 * run and the next timer run as systemctl itself reports them.
 */
const USERNAME = "setup-user";
const PASSWORD = "5e7up-pa55-0c1d-9a7b-e3f1c2d4a5b6";
const PLAIN_HOST = "plain.example.org";
const ENC_HOST = "sealed.example.org";
const ADDRESS = "192.0.2.44";
const reason = systemdUnavailable();

interface Provider {
  url: string;
  report(): Promise<{ violations: string[]; addresses: Record<string, { ipv4?: string; ipv6?: string }> }>;
}

function startProvider(sys: BootedSystemd): Promise<Provider> {
  const child: ChildProcess = sys.spawnInNet([process.execPath, `${REPO}build/test/helpers/netns-provider.js`, USERNAME, `${PLAIN_HOST},${ENC_HOST}`]);
  child.stdin!.write(`${PASSWORD}\n`);
  const reports: Array<(r: Awaited<ReturnType<Provider["report"]>>) => void> = [];
  return new Promise((resolve, reject) => {
    const p: Provider = {
      url: "",
      report: () => new Promise((r) => (reports.push(r), child.stdin!.write(JSON.stringify({ report: true } satisfies ProviderCommand) + "\n"))),
    };
    child.once("exit", (code) => reject(new Error(`provider exited ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = JSON.parse(line) as { url?: string; report?: Parameters<(typeof reports)[number]>[0] };
      if (m.url) {
        p.url = m.url;
        resolve(p);
      }
      if (m.report) reports.shift()?.(m.report);
    });
  });
}

describe("System - ddns setup under a real systemd (systemd-creds, LoadCredential*, the service reads it)", { skip: reason ?? false, timeout: 120_000 }, () => {
  let sys: BootedSystemd;
  /** The same system, not recorded: for the reads that show the secret on purpose. */
  let raw: BootedSystemd;
  let recorded: Recorded | undefined;
  let provider: Provider;
  const outputs: string[] = [];

  /** `ddns setup` for one host, as configuration management would run it. */
  async function setup(host: string): Promise<{ status: number | null; out: string }> {
    const r = await sys.run([
      "ddns", "setup", "--provider", "dyndns2", "--name", host, "--token-file", "/root/token", "--families", "ipv4",
      "--set", `username=${USERNAME}`, "--set", `endpoint=${provider.url}`,
    ]);
    outputs.push(r.stdout, r.stderr);
    return { status: r.status, out: r.stdout + r.stderr };
  }

  before(async () => {
    raw = await bootSystemd();
    ({ sys, recorded } = recording(raw));
    provider = await startProvider(sys);
    // The address the runs publish: eth0 is one end of a veth pair inside the booted namespace.
    await sys.sh(`ip link add eth0 type veth peer name peer0 && ip link set peer0 up && ip link set eth0 up && ip addr add ${ADDRESS}/24 dev eth0`);
    // What the admin had before setup; setup appends and keeps it.
    await sys.write("/etc/ddns/ddns.toml", `# mine\n[ipv4]\nsources = ["interface"]\ninterfaces = ["eth0"]\naccept_private = true   # a documentation address\n\n[ipv6]\nenabled = false\n`);
    await sys.write("/root/token", `${PASSWORD}\n`, 0o600);
    // A timer that is active but never fires during the suite (it would start runs of its own).
    await sys.write("/etc/systemd/system/ddns.timer.d/test-quiet.conf", "[Timer]\nOnBootSec=\nOnCalendar=\nOnCalendar=2199-01-01\nRandomizedDelaySec=0\n");
    // Active, as after `systemctl enable --now`: it also keeps ddns.service loaded between runs.
    // (An unreferenced oneshot that succeeded is garbage-collected by systemd 252 and
    // `systemctl show` then reports no ExecMainStartTimestamp at all.)
    await sys.sh("systemctl daemon-reload && systemctl start ddns.timer");
  });

  after(async () => {
    await raw?.stop();
    for (const root of ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]) {
      if (!existsSync(`${root}/cgroup.procs`)) continue;
      assert.deepEqual(readdirSync(root).filter((d) => d.startsWith(`ddns-test-${process.pid}-`)), [], "cgroups removed");
    }
  });

  it("1. systemd-creds cannot encrypt (no host key can be made)/0600 file, LoadCredential= drop-in, the reason said", async () => {
    await sys.sh("test ! -e /var/lib/systemd/credential.secret");
    await sys.sh("mount --bind /var/lib/systemd /var/lib/systemd && mount -o remount,bind,ro /var/lib/systemd");
    let r: { status: number | null; out: string };
    try {
      r = await setup(PLAIN_HOST);
    } finally {
      await sys.sh("umount /var/lib/systemd");
    }
    assert.equal(r.status, 0, r.out);
    const name = "ddns-dyndns2-plain-example-org";
    assert.match(r.out, /dyndns2 has no read-only check/);
    assert.match(r.out, new RegExp(`secret stored as /etc/ddns/credentials/${name} \\(mode 0600, not encrypted: systemd-creds encrypt failed: .*Read-only file system\\)`));
    assert.equal((await sys.sh(`stat -c '%a %U' /etc/ddns/credentials/${name}`)).trim(), "600 root");
    assert.equal(await raw.sh(`cat /etc/ddns/credentials/${name}`), `${PASSWORD}\n`);
    await sys.sh(`test ! -e /etc/ddns/credentials/${name}.cred`);
    assert.equal(await sys.sh(`cat /etc/systemd/system/ddns.service.d/50-${name}.conf`), `[Service]\nLoadCredential=${name}:/etc/ddns/credentials/${name}\n`);
  });

  it("2. systemd-creds works/NAME.cred (0600, not the secret in clear, no plain copy), LoadCredentialEncrypted= drop-in, systemd already reloaded", async () => {
    const r = await setup(ENC_HOST);
    assert.equal(r.status, 0, r.out);
    const name = "ddns-dyndns2-sealed-example-org";
    assert.match(r.out, new RegExp(`secret stored encrypted \\(systemd-creds\\) as /etc/ddns/credentials/${name}\\.cred`));
    assert.equal((await sys.sh(`stat -c '%a %U' /etc/ddns/credentials/${name}.cred`)).trim(), "600 root");
    await sys.sh(`test ! -e /etc/ddns/credentials/${name}`);
    await sys.sh(`! grep -q -F '${PASSWORD}' /etc/ddns/credentials/${name}.cred`);
    // systemd's own decryption under the name it was sealed with gives the secret back.
    const dec = await raw.run(["systemd-creds", "decrypt", `--name=${name}`, `/etc/ddns/credentials/${name}.cred`, "-"]);
    assert.equal(dec.stdout, `${PASSWORD}\n`);
    assert.equal(await sys.sh(`cat /etc/systemd/system/ddns.service.d/50-${name}.conf`), `[Service]\nLoadCredentialEncrypted=${name}:/etc/ddns/credentials/${name}.cred\n`);
    // setup ran daemon-reload: the unit already carries both credentials.
    const loaded = await sys.sh("systemctl show ddns.service -p NeedDaemonReload; systemctl cat ddns.service");
    assert.match(loaded, new RegExp(`LoadCredential=${name.replace("sealed", "plain")}:`));
    assert.match(loaded, new RegExp(`LoadCredentialEncrypted=${name}:`));
    assert.match(loaded, /NeedDaemonReload=no/);
    const text = await sys.sh("cat /etc/ddns/ddns.toml");
    assert.ok(text.startsWith("# mine\n[ipv4]\n"), "what setup did not touch is kept");
    assert.match(text, new RegExp(`\\[providers\\.dyndns22\\]\ntype = "dyndns2"\nusername = "${USERNAME}"\nendpoint = "${provider.url.replaceAll(".", "\\.")}"\npassword_credential = "${name}"`));
  });

  it("3. ddns check with the credentials as ddns.service gets them/valid; without them it says $CREDENTIALS_DIRECTORY", async () => {
    const c = await sys.run([
      "systemd-run", "--quiet", "--wait", "--pipe", "--collect",
      "-p", "LoadCredential=ddns-dyndns2-plain-example-org:/etc/ddns/credentials/ddns-dyndns2-plain-example-org",
      "-p", "LoadCredentialEncrypted=ddns-dyndns2-sealed-example-org:/etc/ddns/credentials/ddns-dyndns2-sealed-example-org.cred",
      "/usr/bin/ddns", "check", "--config", "/etc/ddns/ddns.toml",
    ]);
    outputs.push(c.stdout, c.stderr);
    assert.equal(c.status, 0, c.stdout + c.stderr);
    assert.match(c.stdout, /valid — 2 record\(s\), 2 provider\(s\), families: ipv4/);
    const bare = await sys.run(["ddns", "check"]);
    assert.notEqual(bare.status, 0);
    assert.match(bare.stderr, /CREDENTIALS_DIRECTORY/);
  });

  it("4. systemctl start ddns.service/both secrets decrypted or copied by systemd, both records pushed to the strict mock", async () => {
    const r = await sys.run(["systemctl", "start", "ddns.service"], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, `${r.stderr}\n${(await sys.run(["journalctl", "--no-pager", "-o", "cat", "-u", "ddns.service"])).stdout}`);
    const s = await sys.sh("systemctl show ddns.service -p Result -p ExecMainStatus");
    assert.match(s, /Result=success/);
    assert.match(s, /ExecMainStatus=0/);
    const rep = await provider.report();
    assert.deepEqual(rep.violations, []);
    assert.equal(rep.addresses[PLAIN_HOST]?.ipv4, ADDRESS);
    assert.equal(rep.addresses[ENC_HOST]?.ipv4, ADDRESS);
  });

  it("5. ddns status against the real systemctl/last run, its exit status and the next timer run as systemd reports them", async () => {
    const st = await sys.run(["ddns", "status", "--json"]);
    outputs.push(st.stdout, st.stderr);
    assert.equal(st.status, 0, st.stderr);
    const j = JSON.parse(st.stdout) as { systemd: Record<string, unknown> };
    const shown = await sys.sh("systemctl show ddns.service --timestamp=unix -p ExecMainStartTimestamp -p ExecMainStatus");
    const show = Object.fromEntries(
      shown.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const started = Number(/^@(\d+)$/.exec(show["ExecMainStartTimestamp"] ?? "")?.[1]) * 1000;
    assert.ok(started > 0, `${shown}\n${st.stdout}`);
    // The timer's next elapse as busctl reads it off the bus (µs, realtime: OnCalendar=2199-01-01).
    const next = Number(/^t (\d+)$/.exec((await sys.sh("busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/ddns_2etimer org.freedesktop.systemd1.Timer NextElapseUSecRealtime")).trim())?.[1]);
    assert.ok(next > Date.parse("2199-01-01T00:00:00Z") * 1000 - 86_400e6, `next elapse ${next}`);
    assert.deepEqual(
      { lastRun: j.systemd["lastRun"], lastRunStatus: j.systemd["lastRunStatus"], by: j.systemd["lastRunStartedBy"], nextTimer: j.systemd["nextTimer"] },
      { lastRun: new Date(started).toISOString(), lastRunStatus: 0, by: "ddns.path or a person", nextTimer: new Date(Math.floor(next / 1000)).toISOString() },
    );
    const text = await sys.run(["ddns", "status"]);
    outputs.push(text.stdout, text.stderr);
    assert.match(text.stdout, new RegExp(`next timer run: ${new Date(Math.floor(next / 1000)).toISOString().slice(0, 4)}`));
  });

  it("6. a run started by ddns.timer/status says timer (LastTriggerUSec from list-timers against the run's start), next run still the calendar's", async () => {
    const startOf = async () => (await sys.sh("systemctl show ddns.service --timestamp=unix -p ExecMainStartTimestamp")).trim();
    const before = await startOf();
    // A calendar time 3 s ahead, besides 2199-01-01 (after test-quiet.conf, which clears OnCalendar=; OnActiveSec= is not re-armed by a restart in
    // systemd 252, and a fresh start with Persistent=yes already sets LastTriggerUSec to the start).
    const soon = new Date(Date.now() + 3000).toISOString().replace("T", " ").slice(0, 19);
    await sys.write("/etc/systemd/system/ddns.timer.d/zz-test-once.conf", `[Timer]\nOnCalendar=${soon} UTC\nAccuracySec=1us\n`);
    await sys.sh("systemctl daemon-reload && systemctl restart ddns.timer");
    await waitFor("the timer's run to end", async () => {
      const t = (JSON.parse(await sys.sh("systemctl list-timers --all -o json ddns.timer")) as Array<{ last: number }>)[0];
      const shown = await sys.sh("systemctl show ddns.service -p ActiveState -p Job");
      const idle = /^ActiveState=inactive$/m.test(shown) && /^Job=$/m.test(shown);
      return t !== undefined && t.last > 0 && idle && (await startOf()) !== before ? true : undefined;
    }, 12_000, 100).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await sys.sh("systemctl list-timers --all -o json ddns.timer; systemctl cat ddns.timer | tail -4; systemctl show ddns.service --timestamp=unix -p ExecMainStartTimestamp -p ActiveState -p Job; journalctl --no-pager -u ddns.timer -u ddns.service -o short-precise | tail -8; date -u")}\nbefore: ${before}`);
    });
    const st = await sys.run(["ddns", "status", "--json"]);
    outputs.push(st.stdout, st.stderr);
    const j = JSON.parse(st.stdout) as { systemd: Record<string, unknown> };
    assert.equal(j.systemd["lastRunStartedBy"], "timer", st.stdout);
    assert.equal(j.systemd["lastRunStatus"], 0);
    assert.match(String(j.systemd["nextTimer"]), /^2199-01-01T/);
    const text = await sys.run(["ddns", "status"]);
    outputs.push(text.stdout, text.stderr);
    assert.match(text.stdout, /^last run: .*started by timer$/m, text.stdout);
  });

  it("7. the secret appears nowhere/setup, check and status output, the journal, state and run directories", async () => {
    if (recorded === undefined) return;
    const seen = await systemSeen(sys, recorded, outputs);
    await assertNoSecrets([PASSWORD], seen);
    await waitFor("ddns.service inactive", async () => ((await sys.sh("systemctl is-active ddns.service || true")).trim() === "inactive" ? true : undefined));
  });
});
