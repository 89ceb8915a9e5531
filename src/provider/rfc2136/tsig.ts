/**
 * TSIG (RFC 8945): sign a request, check the signature of its answer.
 * HMAC from node:crypto; the digest input is RFC 8945 §4.3: the request MAC (for an
 * answer), the message as it was before the TSIG RR was added, then the TSIG
 * variables in canonical form.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { CLASS, TYPE, encodeName, encodeRR, readName, type ParsedMessage } from "../../net/dns/message.js";

/** Config spelling -> algorithm name on the wire, node:crypto hash. */
const ALGORITHMS: Readonly<Record<string, { wire: string; hash: string }>> = {
  "hmac-sha256": { wire: "hmac-sha256", hash: "sha256" },
  "hmac-sha512": { wire: "hmac-sha512", hash: "sha512" },
  "hmac-sha384": { wire: "hmac-sha384", hash: "sha384" },
  "hmac-sha224": { wire: "hmac-sha224", hash: "sha224" },
  "hmac-sha1": { wire: "hmac-sha1", hash: "sha1" },
  // RFC 8945 §6: MAY implement, MUST NOT use; kept for old setups that still have such keys.
  "hmac-md5": { wire: "hmac-md5.sig-alg.reg.int", hash: "md5" },
};

export const TSIG_ALGORITHMS: readonly string[] = Object.keys(ALGORITHMS);

/** RFC 8945 §10: 300 s is the recommended fudge. */
const FUDGE = 300;

export interface TsigKey {
  name: string;
  algorithm: string;
  secret: Buffer;
}

/**
 * A key from config values; a string (for the operator, without the secret) when
 * the algorithm is unknown or the secret is not base64.
 */
export function parseTsigKey(name: string, algorithm: string, secretBase64: string): TsigKey | string {
  const alg = algorithm.toLowerCase().replace(/\.$/, "");
  const known = alg === "hmac-md5.sig-alg.reg.int" ? "hmac-md5" : alg;
  if (!ALGORITHMS[known]) return `key_algorithm "${algorithm}" is not one of ${TSIG_ALGORITHMS.join(", ")}`;
  const clean = secretBase64.replace(/\s+/g, "");
  if (clean === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length % 4 === 1) {
    return "key_secret is not base64 (copy the secret \"...\" string of the key file)";
  }
  return { name, algorithm: known, secret: Buffer.from(clean, "base64") };
}

function uint48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(Math.floor(n / 2 ** 32) & 0xffff, 0);
  b.writeUInt32BE(n % 2 ** 32, 2);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

/** §4.3.3: the TSIG variables in canonical form. */
function variables(key: TsigKey, time: number, fudge: number, error: number, other: Buffer): Buffer {
  const alg = ALGORITHMS[key.algorithm]!;
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(CLASS.ANY, 0);
  fixed.writeUInt32BE(0, 2);
  return Buffer.concat([
    encodeName(key.name, true),
    fixed,
    encodeName(alg.wire, true),
    uint48(time),
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(ALGORITHMS[key.algorithm]!.hash, key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Appends a TSIG RR to `message` (whose ARCOUNT does not count it yet) and returns the
 * signed message and the MAC (needed to check the answer). `now` is epoch seconds.
 */
export function signMessage(message: Buffer, key: TsigKey, now: number): { wire: Buffer; mac: Buffer } {
  const time = Math.floor(now);
  const mac = hmac(key, [message, variables(key, time, FUDGE, 0, Buffer.alloc(0))]);
  const rdata = Buffer.concat([
    encodeName(ALGORITHMS[key.algorithm]!.wire),
    uint48(time),
    u16(FUDGE),
    u16(mac.length),
    mac,
    message.subarray(0, 2), // original ID
    u16(0), // error
    u16(0), // other len
  ]);
  const wire = Buffer.concat([message, encodeRR(key.name, TYPE.TSIG, CLASS.ANY, 0, rdata)]);
  wire.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { wire, mac };
}

export type TsigCheck =
  | { kind: "valid" }
  /** No TSIG RR in the answer. */
  | { kind: "unsigned" }
  /** The server reported a TSIG error (BADSIG, BADKEY, BADTIME...): its code. */
  | { kind: "error"; error: number }
  /** Signed, but not with our key, or the MAC does not match, or out of the time window. */
  | { kind: "invalid"; why: string };

/** Checks the TSIG of an answer to a request whose MAC was `requestMac`. `now` in epoch seconds. */
export function verifyResponse(wire: Buffer, parsed: ParsedMessage, key: TsigKey, requestMac: Buffer, now: number): TsigCheck {
  const additional = parsed.records[2] ?? [];
  const tsig = additional[additional.length - 1];
  if (!tsig || tsig.type !== TYPE.TSIG) return { kind: "unsigned" };
  try {
    const [algName, p0] = readName(wire, tsig.rdataStart);
    const time = wire.readUInt16BE(p0) * 2 ** 32 + wire.readUInt32BE(p0 + 2);
    const fudge = wire.readUInt16BE(p0 + 6);
    const macLen = wire.readUInt16BE(p0 + 8);
    const mac = wire.subarray(p0 + 10, p0 + 10 + macLen);
    let p = p0 + 10 + macLen;
    const originalId = wire.readUInt16BE(p);
    const error = wire.readUInt16BE(p + 2);
    const otherLen = wire.readUInt16BE(p + 4);
    const other = wire.subarray(p + 6, p + 6 + otherLen);
    p += 6 + otherLen;
    if (p !== tsig.rdataStart + tsig.rdata.length || mac.length !== macLen || other.length !== otherLen) {
      return { kind: "invalid", why: "the TSIG record does not parse" };
    }
    if (error !== 0) return { kind: "error", error };
    if (tsig.name.toLowerCase().replace(/\.$/, "") !== key.name.toLowerCase().replace(/\.$/, "")) {
      return { kind: "invalid", why: `the answer is signed with another key (${tsig.name})` };
    }
    if (algName.toLowerCase() !== ALGORITHMS[key.algorithm]!.wire) {
      return { kind: "invalid", why: `the answer is signed with another algorithm (${algName})` };
    }
    const unsigned = Buffer.from(wire.subarray(0, tsig.start));
    unsigned.writeUInt16BE(originalId, 0);
    unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
    const expected = hmac(key, [u16(requestMac.length), requestMac, unsigned, variables(key, time, fudge, 0, other)]);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      return { kind: "invalid", why: "the answer's TSIG signature does not match the key" };
    }
    if (Math.abs(now - time) > fudge) return { kind: "invalid", why: "the answer's TSIG time is outside the allowed window" };
    return { kind: "valid" };
  } catch {
    return { kind: "invalid", why: "the TSIG record does not parse" };
  }
}
