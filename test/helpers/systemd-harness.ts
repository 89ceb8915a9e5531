/**
 * A real systemd as PID 1 in its own namespaces (pid, mount, cgroup, uts, ipc, net),
 * for tests that need the service manager itself: path units, sandboxing, the journal.
 *
 * How (notes/facts.md "A real systemd for tests"): `unshare` from a fresh cgroup
 * made under the host's cgroup2 mount; inside, before systemd is exec'd: a tmpfs
 * /run, a private /dev, this network namespace's sysfs read-only and an own cgroup2
 * mount, /proc/sys read-only, the host's /etc /var /usr /root /home /opt /srv as
 * overlays with tmpfs upper layers (nothing of this boot reaches the host), a tmpfs
 * /tmp, no enabled unit at all, and a minimal target. Capabilities that reach past
 * the namespaces (modules, raw I/O, the clock) are dropped from the bounding set.
 * ddns is installed the way the package does: units, sysusers.d, tmpfiles.d, hooks,
 * and /usr/bin/ddns running this checkout's build (bin/ and dist/, and the native
 * addons sd-notify and systemd-journald from node_modules, as the Debian package
 * ships them; BootOptions.addons = false leaves them out).
 *
 * `stop()` powers the system off (SIGKILL after a deadline), kills what it started
 * in the network namespace, and removes the cgroup it made. Every mount lives and
 * dies in the private mount namespace.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (build/test/helpers/ -> ../../../). */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One `journalctl -o json` entry; binary fields (arrays of bytes) are decoded. */
export type JournalEntry = Record<string, string>;

export interface BootedSystemd {
  /** systemd's pid on the host (PID 1 inside). */
  readonly pid: number;
  /** Runs argv inside every namespace of the booted system; resolves when it exits. */
  run(argv: string[], opts?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<Result>;
  /** `run(["sh", "-c", script])`, failing the test on a non-zero status. */
  sh(script: string, input?: string): Promise<string>;
  /** Writes a file inside (parents made). */
  write(path: string, content: string, mode?: number): Promise<void>;
  /** `journalctl -o json --no-pager ...args`, parsed. */
  journal(args: string[]): Promise<JournalEntry[]>;
  /**
   * Starts a host process (host file system, host pid namespace) inside the booted
   * system's network namespace: loopback servers for the service to talk to.
   * stop() kills it.
   */
  spawnInNet(argv: string[]): ChildProcess;
  stop(): Promise<void>;
}

/**
 * Why this machine cannot boot a test systemd at all (not root, no cgroup2), or
 * undefined. Anything else missing (systemd, util-linux, iproute2, a build) is a
 * failure of bootSystemd(), not a reason to skip: CI installs all of it.
 */
export function systemdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (namespaces, mounts, cgroups)";
  if (cgroup2Mount() === undefined) return "no cgroup2 file system is mounted";
  return undefined;
}

function missingPrerequisite(): string | undefined {
  if (systemdBinary() === undefined) return "systemd is not installed";
  for (const tool of ["unshare", "nsenter", "setsid", "setpriv", "ip", "journalctl", "pgrep"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (!existsSync(join(REPO, "dist")) || readdirSync(join(REPO, "dist")).length === 0) return "dist/ is empty: run npm run build";
  return undefined;
}

function systemdBinary(): string | undefined {
  return ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"].find((p) => existsSync(p));
}

/** Where cgroup2 is mounted on the host (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
function cgroup2Mount(): string | undefined {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.startsWith("cgroup2 ")) return left?.split(" ")[4];
  }
  return undefined;
}

/** glibc's SIGRTMIN on Linux (node has no name for real-time signals). */
const SIGRTMIN = 34;
const DEFAULT_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The shell script run inside the new namespaces; it ends by exec'ing systemd. */
function innerScript(opts: { repo: string; node: string; systemd: string; extra: string; addons: boolean }): string {
  const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  const repo = q(opts.repo);
  // node must be on systemd's default PATH (#!/usr/bin/env node) and outside /root and /home (ProtectHome=).
  const nodeDir = dirname(opts.node);
  const bindNode = DEFAULT_PATH.includes(nodeDir) ? "" : `touch /usr/local/bin/node && mount --bind ${q(opts.node)} /usr/local/bin/node`;
  // The native addons as npm built them for this node (the package builds its own
  // against Debian's): the bundle finds them in node_modules beside dist/.
  const addonMounts = ["sd-notify", "systemd-journald"]
    .map((p) => `mkdir -p /usr/lib/ddns/node_modules/${p} && mount --bind ${repo}/node_modules/${p} /usr/lib/ddns/node_modules/${p} && mount -o remount,bind,ro /usr/lib/ddns/node_modules/${p}`)
    .join("\n");
  return `#!/bin/sh
set -eu
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=0755 tmpfs /mnt
ip link set lo up
# The repository may live under /tmp (CI clones anywhere): keep a handle on it
# before /tmp is replaced below, and put it back at its own path afterwards.
mkdir -p /mnt/repo
mount --bind ${repo} /mnt/repo

# A private /dev: the few host nodes a system needs; the console goes nowhere.
mkdir /mnt/dev
mount -t tmpfs -o mode=0755,nosuid tmpfs /mnt/dev
for n in null zero full random urandom tty; do touch /mnt/dev/$n; mount --bind /dev/$n /mnt/dev/$n; done
touch /mnt/dev/console; mount --bind /dev/null /mnt/dev/console
mkdir /mnt/dev/pts /mnt/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /mnt/dev/pts
ln -s pts/ptmx /mnt/dev/ptmx
ln -s /proc/self/fd /mnt/dev/fd
ln -s /proc/self/fd/0 /mnt/dev/stdin; ln -s /proc/self/fd/1 /mnt/dev/stdout; ln -s /proc/self/fd/2 /mnt/dev/stderr
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /mnt/dev/shm
mount --move /mnt/dev /dev

# This network namespace's sysfs, read-only (udev and friends skip themselves), an own cgroup2.
umount -R /sys 2>/dev/null || umount -l /sys
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys
mount -t cgroup2 -o nsdelegate,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
mount --bind /proc/sys /proc/sys; mount -o remount,bind,ro /proc/sys
if [ -e /proc/sysrq-trigger ]; then mount --bind /proc/sysrq-trigger /proc/sysrq-trigger; mount -o remount,bind,ro /proc/sysrq-trigger; fi

# The host's trees as overlays with tmpfs upper layers.
for d in etc var usr root home opt srv; do
  mkdir -p /mnt/ovl/$d/u /mnt/ovl/$d/w
  mount -t overlay overlay -o lowerdir=/$d,upperdir=/mnt/ovl/$d/u,workdir=/mnt/ovl/$d/w /$d
done
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mkdir -p ${repo}
mount --bind /mnt/repo ${repo}

# No unit of the host is enabled here; a minimal target to boot.
rm -rf /etc/systemd/system
mkdir -p /etc/systemd/system
cat > /etc/systemd/system/ddns-test.target <<'EOF'
[Unit]
Description=ddns test system
Requires=sysinit.target sockets.target
After=sysinit.target sockets.target
EOF

# ddns as the package installs it.
U=/usr/lib/systemd/system
mkdir -p $U /usr/lib/sysusers.d /usr/lib/tmpfiles.d /usr/lib/ddns/bin /usr/lib/ddns/dist \\
  /usr/lib/NetworkManager/dispatcher.d /usr/lib/networkd-dispatcher/routable.d /usr/lib/networkd-dispatcher/configured.d
cp ${repo}/systemd/ddns.service ${repo}/systemd/ddns.path ${repo}/systemd/ddns.timer $U/
cp ${repo}/systemd/ddns-follow@.service ${repo}/systemd/ddns-follow@.timer $U/
cp ${repo}/systemd/ddns.sysusers /usr/lib/sysusers.d/ddns.conf
cp ${repo}/systemd/ddns.tmpfiles /usr/lib/tmpfiles.d/ddns.conf
install -m 0755 ${repo}/packaging/networkmanager/90-ddns /usr/lib/NetworkManager/dispatcher.d/90-ddns
install -m 0755 ${repo}/packaging/networkd-dispatcher/90-ddns /usr/lib/networkd-dispatcher/routable.d/90-ddns
ln -sf ../routable.d/90-ddns /usr/lib/networkd-dispatcher/configured.d/90-ddns
for d in bin dist; do mount --bind ${repo}/$d /usr/lib/ddns/$d; mount -o remount,bind,ro /usr/lib/ddns/$d; done
${opts.addons ? addonMounts : "# No native addon: ddns's fallbacks (BootOptions.addons)."}
ln -sf /usr/lib/ddns/bin/ddns /usr/bin/ddns
${bindNode}
systemd-sysusers
${opts.extra}

# As on a host, mounts propagate within this namespace (systemd moves credential
# mounts into /run/credentials from a helper's namespace). Our peer groups are new:
# nothing propagates to the host, whose mounts became private copies at unshare.
mount --make-rshared /

exec env -i container=ddns-test ${opts.systemd} --system --unit=ddns-test.target --log-target=journal
`;
}

export interface BootOptions {
  /** Extra shell run inside just before systemd starts (files to place, units to mask). */
  extra?: string;
  /**
   * Install the native addons sd-notify and systemd-journald as the Debian package does
   * (default true); false boots ddns without them, to test the fallbacks.
   */
  addons?: boolean;
  /** How long to wait for `systemctl is-system-running` (default 20 s). */
  bootTimeoutMs?: number;
}

/** Boots a systemd with ddns installed. Call stop() in `after`, whatever happened. */
export async function bootSystemd(opts: BootOptions = {}): Promise<BootedSystemd> {
  const reason = systemdUnavailable() ?? missingPrerequisite();
  if (reason !== undefined) throw new Error(`cannot boot systemd: ${reason}`);
  for (const f of ["sd-notify/build/Release/notify.node", "systemd-journald/build/Release/journal_send.node"]) {
    if ((opts.addons ?? true) && !existsSync(join(REPO, "node_modules", f))) throw new Error(`cannot boot systemd with the native addons: node_modules/${f} is missing (npm ci builds it)`);
  }
  const cgRoot = cgroup2Mount()!;
  const work = mkdtempSync(join(tmpdir(), "ddns-systemd-"));
  // A sibling of the host's own top-level cgroups: no controller is enabled for it,
  // so the booted systemd can make its tree below it.
  const cg = join(cgRoot, `ddns-test-${process.pid}-${Date.now()}`);
  mkdirSync(cg);
  const inner = join(work, "inner.sh");
  writeFileSync(
    inner,
    innerScript({ repo: REPO.replace(/\/$/, ""), node: process.execPath, systemd: systemdBinary()!, extra: opts.extra ?? "", addons: opts.addons ?? true }),
    { mode: 0o755 },
  );
  const log = join(work, "boot.log");
  // Capabilities that act beyond the namespaces: kernel modules, raw I/O, clocks, kernel log.
  const drop = "-sys_module,-sys_rawio,-sys_time,-wake_alarm,-syslog,-sys_pacct,-mac_admin,-mac_override,-block_suspend";
  const outer = [
    `echo $$ > '${cg}/cgroup.procs' || exit 97`,
    `exec setsid unshare --pid --fork --kill-child --mount --propagation private --cgroup --uts --ipc --net --mount-proc ` +
      `setpriv --bounding-set=${drop} '${inner}' >'${log}' 2>&1 </dev/null`,
  ].join("\n");
  const unshare = spawn("sh", ["-c", outer], { stdio: "ignore", detached: false });
  const children: ChildProcess[] = [];
  let pid = 0;
  let stopped = false;

  const nsenterArgs = (): string[] => ["-t", String(pid), "-m", "-p", "-u", "-i", "-n", "-C", "--"];

  const run: BootedSystemd["run"] = (argv, o = {}) =>
    new Promise((resolve) => {
      const env = { PATH: DEFAULT_PATH.join(":"), LANG: "C.UTF-8", SYSTEMD_PAGER: "", SYSTEMD_COLORS: "0", ...o.env };
      const child = spawn("nsenter", [...nsenterArgs(), "env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 30_000);
      child.on("close", (status) => {
        clearTimeout(timer);
        resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(o.input ?? "");
    });

  const booted: BootedSystemd = {
    get pid() {
      return pid;
    },
    run,
    async sh(script, input) {
      const r = await run(["sh", "-c", script], input === undefined ? {} : { input });
      if (r.status !== 0) throw new Error(`inside: ${script}\nexit ${r.status}\n${r.stdout}${r.stderr}`);
      return r.stdout;
    },
    async write(path, content, mode = 0o644) {
      const q = `'${path.replaceAll("'", `'\\''`)}'`;
      await booted.sh(`mkdir -p "$(dirname ${q})" && cat > ${q} && chmod ${mode.toString(8)} ${q}`, content);
    },
    async journal(args) {
      const r = await run(["journalctl", "-o", "json", "--no-pager", ...args]);
      return r.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => {
          const raw = JSON.parse(l) as Record<string, unknown>;
          const e: JournalEntry = {};
          for (const [k, v] of Object.entries(raw)) {
            e[k] = Array.isArray(v) && v.every((x) => typeof x === "number") ? Buffer.from(v as number[]).toString("utf8") : String(v);
          }
          return e;
        });
    },
    spawnInNet(argv) {
      const child = spawn("nsenter", ["-t", String(pid), "-n", "--", ...argv], { stdio: ["pipe", "pipe", "pipe"] });
      children.push(child);
      return child;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      const exited = new Promise<void>((r) => (unshare.exitCode !== null ? r() : unshare.once("exit", () => r())));
      if (pid > 0) {
        try {
          process.kill(pid, SIGRTMIN + 4); // systemd: clean poweroff
        } catch {
          // already gone
        }
      }
      const clean = await Promise.race([exited.then(() => true), deadline(8000).then(() => false)]);
      if (!clean) {
        // PID 1 of a pid namespace dying takes every process of the namespace with it.
        try {
          if (pid > 0) process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
        try {
          writeFileSync(join(cg, "cgroup.kill"), "1");
        } catch {
          // no cgroup.kill (kernel < 5.14): the SIGKILL above does it
        }
        await Promise.race([exited, deadline(5000)]);
      }
      removeCgroup(cg);
      rmSync(work, { recursive: true, force: true });
    },
  };

  try {
    pid = await findInit(unshare, cg, log);
    const deadline = Date.now() + (opts.bootTimeoutMs ?? 20_000);
    for (;;) {
      const r = await run(["systemctl", "is-system-running"]);
      const state = r.stdout.trim();
      if (state === "running" || state === "degraded") break;
      if (Date.now() > deadline) {
        const failed = await run(["systemctl", "--failed", "--no-legend"]);
        throw new Error(`systemd did not finish booting (${state}): ${failed.stdout}`);
      }
      await sleep(50);
    }
  } catch (e) {
    const bootLog = existsSync(log) ? readFileSync(log, "utf8") : "";
    await booted.stop();
    throw new Error(`${(e as Error).message}\n${bootLog}`);
  }
  return booted;
}

/** The host pid of the namespace's PID 1: the unshare process's child once it exec'd systemd. */
async function findInit(unshare: ChildProcess, cg: string, log: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (unshare.exitCode !== null) throw new Error(`the namespace setup exited with ${unshare.exitCode}`);
    for (const p of pidsUnder(cg)) {
      try {
        const comm = readFileSync(`/proc/${p}/comm`, "utf8").trim();
        const nsPid = readFileSync(`/proc/${p}/status`, "utf8").match(/^NSpid:\s+(.*)$/m)?.[1]?.trim().split(/\s+/);
        if (comm === "systemd" && nsPid?.at(-1) === "1") return p;
      } catch {
        // gone meanwhile
      }
    }
    await sleep(20);
  }
  throw new Error(`systemd did not start (log: ${log})`);
}

function pidsUnder(cg: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const l of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n")) if (l) out.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      // removed meanwhile
    }
  };
  walk(cg);
  return out;
}

/** Removes a cgroup directory and its children, deepest first. */
function removeCgroup(cg: string): void {
  const dirs: string[] = [];
  const walk = (d: string): void => {
    try {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      return;
    }
    dirs.push(d);
  };
  walk(cg);
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      // Busy: a process is still dying; retry once after a moment.
      spawnSync("sleep", ["0.2"]);
      try {
        rmdirSync(d);
      } catch {
        // Left behind: the caller's leak check reports it.
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A timer that does not keep the test process alive: it races against an exit. */
function deadline(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Polls `check` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
