/**
 * NAT-PMP (RFC 6886) opcode 0, "external address": a two-byte question to the default
 * gateway on UDP 5351. It opens nothing on the router.
 *
 * Request (section 3.2): version 0, opcode 0.
 * Answer: version 0, opcode 128, result code (u16), seconds since start of epoch
 * (u32), external IPv4 address (4 bytes): 12 bytes.
 */
import { askUdp } from "./udp.js";

export const NATPMP_PORT = 5351;

/** Result codes of RFC 6886 section 3.5. */
const RESULTS: Record<number, string> = {
  1: "unsupported version",
  2: "not authorized/refused",
  3: "network failure (the router has no public address of its own)",
  4: "out of resources",
  5: "unsupported opcode",
};

export type NatPmpAnswer = { kind: "address"; address: string; epoch: number } | { kind: "refused"; result: number; text: string };

/** Parses an answer to opcode 0; undefined when it is not one (ignored, keep waiting). */
export function parseNatPmp(b: Buffer): NatPmpAnswer | undefined {
  if (b.length < 8 || b[0] !== 0 || b[1] !== 128) return undefined;
  const result = b.readUInt16BE(2);
  if (result !== 0) return { kind: "refused", result, text: RESULTS[result] ?? `result code ${result}` };
  if (b.length < 12) return undefined;
  return { kind: "address", address: `${b[8]}.${b[9]}.${b[10]}.${b[11]}`, epoch: b.readUInt32BE(4) };
}

/** Parses a NAT-PMP announcement (an unsolicited opcode-0 answer sent to 224.0.0.1:5350). */
export const parseNatPmpAnnouncement = parseNatPmp;

export function askNatPmp(gateway: string, schedule: readonly number[], signal: AbortSignal) {
  return askUdp<NatPmpAnswer>({
    host: gateway,
    port: NATPMP_PORT,
    request: () => Buffer.from([0, 0]),
    schedule,
    accept: parseNatPmp,
    maxBytes: 1100,
    signal,
  });
}
