/**
 * PCP (RFC 6887), limited to requests that cannot open anything on the router:
 * a MAP with lifetime 0 (section 15: a request to delete a mapping; with a fresh
 * random nonce it matches no mapping, so nothing is deleted either: section 15 makes
 * the server refuse a deletion whose nonce differs) and the ANNOUNCE opcode.
 * A MAP with a lifetime above 0 would open a port: this module never sends one.
 *
 * Common request header (section 7.1): version 2, R=0 + opcode, 2 reserved bytes,
 * requested lifetime (u32), client's IP address (16 bytes, IPv4-mapped) = 24 bytes.
 * Answer header (section 7.2): version 2, R=1 + opcode, reserved, result code,
 * lifetime (u32), epoch (u32), 12 reserved bytes = 24 bytes; the MAP payload
 * (section 11.1) follows: nonce (12), protocol, 3 reserved, internal port,
 * assigned external port, assigned external IP address (16) = 36 bytes.
 */
import { randomBytes } from "node:crypto";
import { askUdp } from "./udp.js";

export const PCP_PORT = 5351;
const OP_ANNOUNCE = 0;
const OP_MAP = 1;

const RESULTS: Record<number, string> = {
  1: "unsupported version",
  2: "not authorized",
  3: "malformed request",
  4: "unsupported opcode",
  5: "unsupported option",
  6: "malformed option",
  7: "network failure",
  8: "no resources",
  9: "unsupported protocol",
  10: "user exceeded quota",
  11: "cannot provide external",
  12: "address mismatch",
  13: "excessive remote peers",
};

function mapped(v4: string): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  v4.split(".").forEach((o, i) => (b[12 + i] = Number(o)));
  return b;
}

/** A MAP request with lifetime 0 (nothing is created), protocol UDP, the asking socket's own port. */
export function mapQueryRequest(local: { address: string; port: number }, nonce: Buffer): Buffer {
  const b = Buffer.alloc(60);
  b[0] = 2;
  b[1] = OP_MAP;
  b.writeUInt32BE(0, 4); // lifetime 0: never a mapping
  mapped(local.address).copy(b, 8);
  nonce.copy(b, 24);
  b[36] = 17;
  b.writeUInt16BE(local.port, 40);
  return b;
}

export type PcpAnswer =
  | { kind: "address"; address: string; epoch: number }
  | { kind: "no-address"; epoch: number }
  | { kind: "refused"; result: number; text: string };

/** Parses the answer to our MAP; undefined when it is not (another nonce, not PCP). */
export function parseMapAnswer(b: Buffer, nonce: Buffer): PcpAnswer | undefined {
  // A NAT-PMP-only server answers a version-2 request with version 0, result 1.
  if (b.length >= 4 && b[0] === 0 && b[1] === 128 + OP_MAP) return { kind: "refused", result: 1, text: "unsupported version (NAT-PMP only)" };
  if (b.length < 24 || b[0] !== 2 || b[1] !== 0x80 + OP_MAP) return undefined;
  const result = b[3]!;
  const epoch = b.readUInt32BE(8);
  const refused: PcpAnswer = { kind: "refused", result, text: RESULTS[result] ?? `result code ${result}` };
  if (b.length < 60 || !b.subarray(24, 36).equals(nonce)) return result === 0 ? undefined : refused;
  // We suggested no external address (all zeros), so a non-zero one in the answer was
  // written by the server: its own. miniupnpd answers a deletion of a mapping that does
  // not exist with result 8 (no resources) instead of SUCCESS, but with its external
  // address filled in; RFC 6887 section 15 would answer SUCCESS. Both carry it.
  const ip = b.subarray(44, 60);
  const isMapped = ip.subarray(0, 10).every((x) => x === 0) && ip[10] === 0xff && ip[11] === 0xff;
  if (!isMapped || ip.subarray(12).every((x) => x === 0)) return result === 0 ? { kind: "no-address", epoch } : refused;
  if (result !== 0 && result !== 8) return refused;
  return { kind: "address", address: `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`, epoch };
}

/** Is this datagram a PCP ANNOUNCE answer (what a router multicasts after a change, section 14.1)? */
export function isPcpAnnounce(b: Buffer): boolean {
  return b.length >= 24 && b[0] === 2 && b[1] === 0x80 + OP_ANNOUNCE;
}

export function askPcp(gateway: string, schedule: readonly number[], signal: AbortSignal) {
  const nonce = randomBytes(12);
  return askUdp<PcpAnswer>({
    host: gateway,
    port: PCP_PORT,
    request: (local) => mapQueryRequest(local, nonce),
    schedule,
    accept: (b) => parseMapAnswer(b, nonce),
    maxBytes: 1100,
    signal,
  });
}
