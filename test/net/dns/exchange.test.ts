import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { exchange, parseServer, query, MAX_UDP_ANSWER } from "../../../src/net/dns/exchange.js";
import { answerAddresses, TYPE } from "../../../src/net/dns/message.js";
import { isDdnsError } from "../../../src/errors.js";
import { startDnsServer, reply, type DnsQuery, type DnsServer } from "../../helpers/dns-server.js";

/** By the first label of the name asked: one UDP server plays every case. */
function scenario(q: DnsQuery): Buffer | Buffer[] | null {
  const label = q.name.split(".")[0];
  const ok = (): Buffer => reply(q, { answers: [{ type: 1, data: "81.2.69.160" }] });
  switch (label) {
    case "noqr": {
      const b = ok();
      b[2] = b[2]! & 0x7f;
      return [b, reply(q, { answers: [{ type: 1, data: "81.2.69.161" }] })];
    }
    case "huge": {
      const many = Array.from({ length: 400 }, (_, i) => ({ type: 1, data: `81.2.${i >> 8}.${i & 255}` }));
      return [reply(q, { answers: many }), ok()];
    }
    case "other":
      return [reply(q, { questionName: "evil.example", answers: [{ type: 1, data: "81.2.69.66", name: "evil.example" }] }), ok()];
    case "tc":
      return reply(q, { tc: true });
    default:
      return ok();
  }
}

// A bound on the whole suite: a hang (seen once under load) fails with a name
// instead of holding the test run.
describe("net/dns - exchange", { timeout: 60_000 }, () => {
  let udp: DnsServer;
  let tcp: Server;
  const tcpQuestions: string[] = [];
  const sockets = new Set<import("node:net").Socket>();
  before(async () => {
    udp = await startDnsServer("127.0.0.1", scenario);
    // The same port over TCP, for the truncation fallback (RFC 1035 §4.2.2 framing).
    tcp = createServer((sock) => {
      sockets.add(sock);
      sock.on("close", () => sockets.delete(sock));
      let buf = Buffer.alloc(0);
      sock.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        const q: DnsQuery = { id: msg.readUInt16BE(0), flags: msg.readUInt16BE(2), name: "tc.example", type: 1, raw: msg, from: { address: "127.0.0.1", family: "IPv4", port: 0, size: 0 } };
        tcpQuestions.push(q.name);
        const answer = reply(q, { answers: [{ type: 1, data: "81.2.69.170" }] });
        const len = Buffer.alloc(2);
        len.writeUInt16BE(answer.length, 0);
        sock.end(Buffer.concat([len, answer]));
      });
    });
    await new Promise<void>((r) => tcp.listen(udp.port, "127.0.0.1", r));
  });
  after(async () => {
    await udp.close();
    // server.close() waits for open connections: a client that did not close its
    // side must not hold the suite.
    for (const sock of sockets) sock.destroy();
    await new Promise((r) => tcp.close(r));
  });

  const server = () => parseServer(udp.address)!;
  const ask = async (name: string, deadlineMs = 1000) => {
    const { message, wire } = await query(server(), name, TYPE.A, { recursion: false, deadlineMs, signal: AbortSignal.timeout(5000) });
    return { message, addresses: answerAddresses(message, wire, name, TYPE.A) };
  };

  it("plain question/query/answer parsed, RD clear for an authoritative ask", async () => {
    const r = await ask("plain.example");
    assert.deepEqual(r.addresses, ["81.2.69.160"]);
    assert.equal(udp.queries.at(-1)!.flags & 0x0100, 0);
  });

  it("a datagram without the QR bit/query/ignored, the real answer taken", async () => {
    assert.deepEqual((await ask("noqr.example")).addresses, ["81.2.69.161"]);
  });

  it(`a datagram over ${MAX_UDP_ANSWER} bytes/query/ignored (size cap), the next one taken`, async () => {
    assert.deepEqual((await ask("huge.example")).addresses, ["81.2.69.160"]);
  });

  it("an answer to another question/query/ignored, ours taken", async () => {
    assert.deepEqual((await ask("other.example")).addresses, ["81.2.69.160"]);
  });

  it("truncated over UDP/query/asked again over TCP", async () => {
    const before = tcpQuestions.length;
    assert.deepEqual((await ask("tc.example")).addresses, ["81.2.69.170"]);
    assert.equal(tcpQuestions.length, before + 1);
  });

  it("a silent server/exchange/NET_TIMEOUT at the deadline, sent once when resendMs is 0", async () => {
    const silent = await startDnsServer("127.0.0.1", () => null);
    try {
      const started = Date.now();
      await assert.rejects(
        exchange(parseServer(silent.address)!, Buffer.from("0007010000010000000000000000010001", "hex"), { tcp: false, deadlineMs: 300, signal: AbortSignal.timeout(5000), resendMs: 0 }),
        (e) => isDdnsError(e) && e.code === "NET_TIMEOUT",
      );
      assert.ok(Date.now() - started < 2000);
      assert.equal(silent.queries.length, 1);
    } finally {
      await silent.close();
    }
  });
});
