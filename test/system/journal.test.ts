// Every transition under `journalctl -u ddns.service`, in a real systemd
// (test/helpers/systemd-harness.ts), with the native addons the package ships and
// without them (ddns's fallback): ten address changes through the installed
// NetworkManager hook give ten runs and exactly ten transition entries that journald
// attributes to the unit. With the addons also STATUS= in `systemctl status`, while a
// slow run is under way and after it. A config warning (a ttl dyndns2 ignores) is logged
// once over all those runs, at warning level.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { bootSystemd, systemdUnavailable, waitFor, REPO, type BootedSystemd, type JournalEntry } from "../helpers/systemd-harness.js";
import type { ProviderCommand, SeenByProxy } from "../helpers/netns-provider.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";

const USERNAME = "ddns-journal-test";
const PASSWORD = "9d1e0c5a-journal-7f3b-secret";
const RECORD = "home.example.org";
const N = 10;

interface Provider {
  requests: SeenByProxy[];
  url: string;
  send(c: ProviderCommand): void;
}

function startProvider(sys: BootedSystemd): Promise<Provider> {
  const child: ChildProcess = sys.spawnInNet([process.execPath, `${REPO}build/test/helpers/netns-provider.js`, USERNAME, RECORD]);
  child.stdin!.write(`${PASSWORD}\n`);
  const p: Provider = { requests: [], url: "", send: (c) => void child.stdin!.write(JSON.stringify(c) + "\n") };
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`provider exited ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = JSON.parse(line) as { url?: string; request?: SeenByProxy };
      if (m.url) resolve(Object.assign(p, { url: m.url }));
      if (m.request) p.requests.push(m.request);
    });
  });
}

const config = (endpoint: string): string => `[ipv4]
sources = ["event"]
accept_private = true   # documentation addresses
[ipv6]
enabled = false
[providers.home]
type = "dyndns2"
endpoint = "${endpoint}"
username = "${USERNAME}"
password_credential = "dyndns2"
[[records]]
name = "${RECORD}"
provider = "home"
ttl = 300               # dyndns2 carries no TTL: accepted and ignored, a config warning logged once (issue 14)
`;
/** The line of the ttl key in the config above. */
const TTL_LINE = 14;

for (const addons of [true, false]) {
  describe(`Journal - every transition under journalctl -u ddns.service, ${addons ? "with the native addons" : "without the native addons (fallback)"}`, { skip: systemdUnavailable() ?? false, timeout: 120_000 }, () => {
    let sys: BootedSystemd;
    let provider: Provider;

    const show = async (prop: string): Promise<string> => (await sys.sh(`systemctl show -P ${prop} ddns.service`)).trim();
    async function quiet(): Promise<boolean> {
      if (!["inactive", "failed"].includes(await show("ActiveState")) || (await show("Job")) !== "") return false;
      return (await sys.sh("systemctl show -P SubState ddns.path")).trim() === "waiting" && (await sys.sh("ls -A /run/ddns/events")).trim() === "";
    }
    /** The NetworkManager hook for eth0 up, after the kernel has `ipv4` on eth0 (an event is a wake-up). */
    async function nmUp(ipv4: string): Promise<void> {
      await sys.sh(`ip -4 addr flush dev eth0 && ip addr add ${ipv4}/24 dev eth0`);
      const r = await sys.run(["/usr/lib/NetworkManager/dispatcher.d/90-ddns", "eth0", "up"], {
        env: { DEVICE_IFACE: "eth0", DEVICE_IP_IFACE: "eth0", IP4_NUM_ADDRESSES: "1", IP4_ADDRESS_0: `${ipv4}/24 192.0.2.1` },
      });
      assert.equal(r.status, 0, r.stderr);
    }
    /** ddns's own entries under `journalctl -u ddns.service` (not systemd's about the unit). */
    async function ddnsEntries(): Promise<JournalEntry[]> {
      return (await sys.journal(["-u", "ddns.service"])).filter((e) => e["_PID"] !== "1");
    }

    before(async () => {
      sys = await bootSystemd({ addons });
      provider = await startProvider(sys);
      await sys.write("/etc/ddns/ddns.toml", config(provider.url));
      await sys.write("/etc/ddns/credentials/dyndns2", `${PASSWORD}\n`, 0o600);
      await sys.write("/etc/systemd/system/ddns.service.d/credential.conf", "[Service]\nLoadCredential=dyndns2:/etc/ddns/credentials/dyndns2\n");
      await sys.write("/etc/systemd/system/ddns.timer.d/quiet.conf", "[Timer]\nOnBootSec=\nOnCalendar=\nOnCalendar=2199-01-01\n");
      // Follow-up runs would add runs (not transitions); masked to keep the run count exact.
      await sys.sh("ln -s /dev/null /etc/systemd/system/ddns-follow@.timer && systemctl daemon-reload");
      await sys.sh("ip link add eth0 type veth peer name peer0 && ip link set peer0 up && ip link set eth0 up");
      await sys.sh("systemctl enable --now ddns.path ddns.timer");
    });

    after(async () => {
      await sys?.stop();
    });

    it(`${N} address changes through the NetworkManager hook/${N} runs/${N} transition entries under -u, in order, attributed to the unit`, async () => {
      for (let i = 1; i <= N; i++) {
        await nmUp(`192.0.2.${20 + i}`);
        await waitFor(`update ${i} and an idle ddns.path`, async () => (provider.requests.length >= i && (await quiet()) ? true : undefined), 20_000);
      }
      assert.deepEqual(provider.requests.map((r) => r.query["myip"]), Array.from({ length: N }, (_, i) => `192.0.2.${21 + i}`));
      // journald may file the last entry a moment after the run ended.
      const updates = await waitFor(`${N} entries`, async () => {
        const u = (await ddnsEntries()).filter((e) => /now points to 192\.0\.2\.\d+/.test(e["MESSAGE"] ?? ""));
        return u.length >= N ? u : undefined;
      }, 10_000).catch(async () => (await ddnsEntries()).filter((e) => /now points to/.test(e["MESSAGE"] ?? "")));
      const summary = updates.map((e) => `${e["_TRANSPORT"]} ${e["PRIORITY"]} ${e["MESSAGE"]}`).join("\n");
      assert.equal(updates.length, N, `exactly one entry per transition under -u:\n${summary}`);
      updates.forEach((e, i) => {
        assert.match(e["MESSAGE"] ?? "", new RegExp(`^${RECORD.replaceAll(".", "\\.")} \\(ipv4\\) now points to 192\\.0\\.2\\.${21 + i}\\b`));
        assert.equal(e["_SYSTEMD_UNIT"], "ddns.service");
        assert.equal(e["PRIORITY"], "5", "notice, from the addon or the <5> prefix");
        assert.equal(e["SYSLOG_IDENTIFIER"], "ddns");
      });
      if (addons) {
        // Structured, from the ddns process itself: the design's fields.
        for (const [i, e] of updates.entries()) {
          assert.equal(e["_TRANSPORT"], "journal");
          assert.equal(e["MESSAGE_ID"], MESSAGE_IDS["record-updated"]);
          assert.equal(e["DDNS_RECORD"], RECORD);
          assert.equal(e["DDNS_FAMILY"], "ipv4");
          assert.equal(e["DDNS_PROVIDER"], "home");
          assert.equal(e["DDNS_NEW"], `192.0.2.${21 + i}`);
          if (i > 0) assert.equal(e["DDNS_OLD"], `192.0.2.${20 + i}`);
        }
      } else {
        // The service's journal stream, which journald ties to the unit when it is connected.
        for (const e of updates) assert.equal(e["_TRANSPORT"], "stdout");
      }
      // The config warning: one entry over all the runs that parsed the config, at warning level.
      const warnings = (await ddnsEntries()).filter((e) => /records\.ttl: dyndns2 takes no TTL/.test(e["MESSAGE"] ?? ""));
      assert.equal(warnings.length, 1, `one config warning over ${N} runs:\n${warnings.map((e) => e["MESSAGE"]).join("\n")}`);
      const w = warnings[0]!;
      assert.match(w["MESSAGE"] ?? "", new RegExp(`^/etc/ddns/ddns\\.toml:${TTL_LINE}: records\\.ttl: dyndns2 takes no TTL: .*this ttl is ignored`));
      assert.equal(w["PRIORITY"], "4");
      assert.equal(w["_SYSTEMD_UNIT"], "ddns.service");
      if (addons) {
        assert.equal(w["MESSAGE_ID"], MESSAGE_IDS["config-warning"]);
        assert.equal(w["DDNS_RECORD"], RECORD);
      }
      const everything = await sys.run(["journalctl", "-o", "json", "--no-pager"]);
      await assertNoSecrets([PASSWORD], { journal: everything.stdout.split("\n") });
    });

    it(addons ? "a slow provider/during and after the run/STATUS= text in systemctl status" : "no sd-notify addon/after a run/no STATUS= text, the run still succeeds", async () => {
      if (!addons) {
        assert.equal(await show("StatusText"), "");
        assert.equal(await show("Result"), "success");
        return;
      }
      assert.equal(await show("StatusText"), "records current", "after the last run");
      provider.send({ delayMs: 3000 });
      await nmUp("192.0.2.99");
      const during = await waitFor("a status text during the slow run", async () => {
        const text = (await show("ActiveState")) === "activating" ? await show("StatusText") : "";
        return text.startsWith("updating") ? text : undefined;
      }, 10_000);
      assert.equal(during, "updating 1 record(s)");
      assert.match(await sys.sh("systemctl status --no-pager ddns.service || true"), /Status: "updating 1 record\(s\)"/);
      await waitFor("the slow run to end", async () => ((await quiet()) ? true : undefined), 20_000);
      provider.send({ delayMs: 0 });
      assert.equal(await show("StatusText"), "records current");
    });
  });
}
