/**
 * `ddns announce`: what ddns-announce.service runs when ddns-announce.socket
 * (UDP 5350, where routers multicast NAT-PMP and PCP announcements to 224.0.0.1 and
 * ff02::1) has a datagram. It adopts the passed sockets, reads what is pending (so
 * systemd does not start it again for the same datagrams), and when one of them is a
 * NAT-PMP address announcement or a PCP ANNOUNCE it leaves an event file
 * (SOURCE=gateway) for ddns.path. It never uses the address an announcement
 * carries: anyone on the LAN can send one. The run that ddns.path starts asks the
 * router itself with a unicast request (the gateway source) and publishes only what
 * the router says.
 */
import { createSocket, type Socket } from "node:dgram";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseNatPmp } from "../ip-source/gateway/natpmp.js";
import { isPcpAnnounce } from "../ip-source/gateway/pcp.js";
import { EXIT, type GlobalOptions, type Runtime } from "./runtime.js";

/** systemd passes sockets from fd 3 on (sd_listen_fds(3)). */
const FIRST_FD = 3;
/** Stop reading after this much quiet, this much time or this many datagrams: bounded work per start. */
const QUIET_MS = 100;
const MAX_MS = 2000;
const MAX_DATAGRAMS = 64;

export interface Heard {
  from: string;
  kind: "natpmp" | "pcp" | "other";
}

/** What one datagram on UDP 5350 is. */
export function classifyAnnouncement(b: Buffer): Heard["kind"] {
  if (b.length >= 12 && b.length <= 1100) {
    const n = parseNatPmp(b);
    if (n !== undefined && n.kind === "address") return "natpmp";
  }
  if (b.length <= 1100 && isPcpAnnounce(b)) return "pcp";
  return "other";
}

function adopt(fd: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // The family only shapes how node prints addresses; try IPv4 first (the unit's first socket).
    const tryType = (type: "udp4" | "udp6"): void => {
      const s = createSocket({ type });
      s.once("error", (e) => {
        s.close();
        if (type === "udp4") tryType("udp6");
        else reject(e);
      });
      s.bind({ fd }, () => resolve(s));
    };
    tryType("udp4");
  });
}

export async function announceCommand(opts: GlobalOptions, listenFds: number, rt: Runtime): Promise<number> {
  if (listenFds < 1) {
    rt.err("ddns announce reads the sockets of ddns-announce.socket; no socket was passed (LISTEN_FDS): enable ddns-announce.socket instead");
    return EXIT.usage;
  }
  const heard: Heard[] = [];
  const sockets: Socket[] = [];
  await new Promise<void>((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const end = setTimeout(resolve, MAX_MS);
    const done = (): void => {
      clearTimeout(end);
      if (quiet !== undefined) clearTimeout(quiet);
      resolve();
    };
    const rearm = (): void => {
      if (quiet !== undefined) clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    };
    void (async () => {
      for (let i = 0; i < listenFds; i++) {
        try {
          const s = await adopt(FIRST_FD + i);
          sockets.push(s);
          s.on("message", (msg, rinfo) => {
            heard.push({ from: rinfo.address.replace(/%.*$/, ""), kind: classifyAnnouncement(msg) });
            if (heard.length >= MAX_DATAGRAMS) done();
            else rearm();
          });
        } catch (e) {
          rt.err(`ddns announce: cannot use socket fd ${FIRST_FD + i}: ${(e as Error).message}`);
        }
      }
      rearm();
    })();
  });
  for (const s of sockets) s.close();
  const real = heard.filter((h) => h.kind !== "other");
  const others = heard.length - real.length;
  if (others > 0) rt.err(`ddns announce: ignored ${others} datagram(s) on UDP 5350 that are not NAT-PMP or PCP announcements`);
  if (real.length === 0) return EXIT.ok;
  const first = real[0]!;
  // The sender is named for `ddns status` and the journal, never trusted: the run verifies.
  const text = `SOURCE=gateway\nACTION=announce-${first.kind}\nFROM=${first.from}\nTIME=${Math.floor(rt.now() / 1000)}\n`;
  const file = join(opts.eventsDir, "gateway-announce");
  const tmp = join(opts.eventsDir, `.tmp.gateway-announce.${rt.pid}`);
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    rt.err(`ddns announce: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return EXIT.transient;
  }
  return EXIT.ok;
}
