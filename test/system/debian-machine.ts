import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** What a command inside the machine did. */
export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
  const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input ?? "", timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/**
 * A Debian root booted with systemd-nspawn on a throw-away overlay: the cached
 * root (`lower`) is never written; everything the machine changes lands in a
 * tmpfs-backed upper layer that `upper` names and `stop()` removes. Network:
 * loopback only (--private-network). Commands run inside through nsenter with a
 * clean environment, as root.
 */
export class DebianMachine {
  private nspawn: ChildProcess | undefined;
  private leader = 0;

  private constructor(
    readonly base: string,
    readonly merged: string,
    readonly upper: string,
    readonly name: string,
  ) {}

  /** The container's init on the host (its namespaces are the machine's); 0 before boot. */
  get leaderPid(): number {
    return this.leader;
  }

  /** Mounts the overlay; the machine is not booted yet (see `chroot` and `boot`). */
  static prepare(lower: string): DebianMachine {
    const base = mkdtempSync("/tmp/ddns-machine.");
    must("mount", ["-t", "tmpfs", "-o", "size=4g,mode=0755", "tmpfs", base]);
    for (const d of ["upper", "work", "merged"]) mkdirSync(join(base, d));
    must("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${base}/upper,workdir=${base}/work`, `${base}/merged`]);
    return new DebianMachine(base, `${base}/merged`, `${base}/upper`, `ddns-test-${process.pid}`);
  }

  /**
   * Runs a command in the root before boot, with the host's network (for apt
   * downloads) and `binds` (host dir -> dir in the root) mounted meanwhile.
   */
  chroot(args: string[], binds: Array<[string, string]> = [], timeoutMs = 300_000): Result {
    const mounted: string[] = [];
    try {
      must("mount", ["-t", "proc", "proc", `${this.merged}/proc`]);
      mounted.push(`${this.merged}/proc`);
      for (const [from, to] of binds) {
        must("mount", ["--bind", from, this.merged + to]);
        mounted.push(this.merged + to);
      }
      return run("chroot", [this.merged, "env", "-i", `PATH=${PATH}`, "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive", ...args], { timeoutMs });
    } finally {
      for (const m of mounted.reverse()) run("umount", [m]);
    }
  }

  /** Boots systemd in the root and waits until the boot has finished. */
  async boot(binds: Array<[string, string]> = [], timeoutMs = 90_000): Promise<void> {
    const args = ["-D", this.merged, "--boot", "--private-network", "--keep-unit", "--register=no", "-q", `--machine=${this.name}`, "--console=passive"];
    for (const [from, to] of binds) args.push(`--bind=${from}:${to}`);
    const log = openSync(`${this.base}/nspawn.log`, "w");
    // The host runs a hybrid cgroup layout; systemd 257 needs the unified one.
    // nspawn starts in a cgroup of its own (one per hierarchy): with --keep-unit the
    // container's tree is made below the caller's cgroup, and on this host every
    // process is in the root one, so two machines booted at once would share one tree
    // and each systemd would remove the other's unit cgroups ("Failed to spawn
    // executor: No such file or directory"; issue 13's note). As systemd-harness.ts does.
    const enter = CGROUP_HIERARCHIES.map((h) => `if [ -d ${h} ]; then mkdir -p ${h}/${this.name} && echo $$ > ${h}/${this.name}/cgroup.procs || exit 97; fi`).join("\n");
    this.nspawn = spawn("sh", ["-c", `${enter}\nexec systemd-nspawn "$@"`, "sh", ...args], {
      stdio: ["ignore", log, log],
      detached: true,
      env: { PATH, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: "1" },
    });
    closeSync(log);
    const pid = this.nspawn.pid;
    if (pid === undefined) throw new Error("systemd-nspawn did not start");
    const deadline = Date.now() + timeoutMs;
    while (this.leader === 0) {
      if (this.nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited ${this.nspawn.exitCode}: ${this.nspawnLog()}`);
      if (Date.now() > deadline) throw new Error(`no container init after ${timeoutMs} ms: ${this.nspawnLog()}`);
      // nspawn forks helpers that exit; the container's init is the child running systemd.
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")) {
          if (child !== "" && readFileSync(`/proc/${child}/comm`, "utf8").trim() === "systemd") this.leader = Number(child);
        }
      } catch {
        /* not yet, or a helper exited meanwhile */
      }
      if (this.leader === 0) await sleep(50);
    }
    // Until systemd has opened its private socket, systemctl cannot reach it; until it
    // has created /run/systemd/system, systemctl answers "offline" (sd_booted() is false:
    // seen once, right after the container's init appeared). Both are only early.
    for (;;) {
      const r = this.exec(["systemctl", "is-system-running", "--wait"], { timeoutMs: Math.max(1000, deadline - Date.now()) });
      const state = r.stdout.trim();
      if (["running", "degraded"].includes(state)) break;
      if (Date.now() > deadline || ["maintenance", "stopping"].includes(state)) throw new Error(`boot did not finish: ${r.stdout}${r.stderr}`);
      await sleep(100);
    }
  }

  /** Runs a command inside the booted machine. */
  exec(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Result {
    const env = Object.entries({ PATH, LANG: "C.UTF-8", DEBIAN_FRONTEND: "noninteractive", ...opts.env }).map(([k, v]) => `${k}=${v}`);
    return run("nsenter", ["-t", String(this.leader), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", "env", "-i", ...env, ...args], opts);
  }

  /**
   * Runs a host program in the machine's network namespace only (host file system):
   * `ip` to make the interfaces a test's events name, without iproute2 in the root.
   */
  inNet(args: string[]): Result {
    return run("nsenter", ["-t", String(this.leader), "-n", "--", ...args]);
  }

  /** `exec` of a shell script. */
  sh(script: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Result {
    return this.exec(["sh", "-c", script], opts);
  }

  nspawnLog(): string {
    try {
      return readFileSync(`${this.base}/nspawn.log`, "utf8").slice(-4000);
    } catch {
      return "";
    }
  }

  /** Powers the machine off (SIGKILL after 20 s), unmounts and removes everything. */
  async stop(): Promise<void> {
    const child = this.nspawn;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    run("umount", ["-R", this.merged]);
    run("umount", [this.base]);
    rmSync(this.base, { recursive: true, force: true });
    // nspawn leaves its (empty) mount propagation directory behind when interrupted.
    run("rmdir", [`/run/systemd/nspawn/propagate/${this.name}`]);
    for (const h of CGROUP_HIERARCHIES) removeTree(`${h}/${this.name}`);
  }
}

/** The hierarchies a machine gets its own cgroup in (hybrid host: v2 under unified/, v1 name=systemd). */
const CGROUP_HIERARCHIES = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"];

/** Removes an (empty of processes) cgroup directory tree, deepest first; best effort. */
function removeTree(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) removeTree(`${dir}/${e}`);
  try {
    rmdirSync(dir);
  } catch {
    // still busy or already gone
  }
}
