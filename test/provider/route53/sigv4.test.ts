import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { amzDate, signV4, uriEncode } from "../../../src/provider/route53/sigv4.js";
import { VECTORS, VECTOR_CONTEXT as C } from "./sigv4-vectors.js";
import { assertNoSecretsIn } from "../../helpers/secrets.js";

describe("Provider - sigv4", () => {
  for (const v of VECTORS) {
    it(`AWS test suite case ${v.case}/sign/Authorization as AWS publishes it`, () => {
      const creds = { accessKeyId: C.accessKeyId, secretAccessKey: C.secretAccessKey, ...(v.sessionToken ? { sessionToken: v.sessionToken } : {}) };
      const r = signV4({ method: v.method, url: v.url, headers: v.headers, body: v.body }, creds, C.region, C.service, C.time);
      assert.equal(r.headers.authorization, v.authorization);
      assert.equal(r.headers["x-amz-date"], "20150830T123600Z");
      // The signed request (headers, canonical request, string to sign) carries the key's signature, never the key.
      assertNoSecretsIn([C.secretAccessKey], [r]);
    });
  }

  it("get-vanilla/sign/string to sign as in the suite's query-string-to-sign scope line", () => {
    const r = signV4({ method: "GET", url: "https://example.amazonaws.com/", headers: {}, body: "" }, C, C.region, C.service, C.time);
    assert.deepEqual(r.stringToSign.split("\n").slice(0, 3), ["AWS4-HMAC-SHA256", "20150830T123600Z", "20150830/us-east-1/service/aws4_request"]);
    assertNoSecretsIn([C.secretAccessKey], [r]);
  });

  it("one changed input/sign/another signature", () => {
    const base = { method: "POST", url: "https://route53.amazonaws.com/2013-04-01/hostedzone/Z1/rrset/", headers: {}, body: "<a/>" };
    const s1 = signV4(base, C, "us-east-1", "route53", C.time).signature;
    assert.notEqual(signV4({ ...base, body: "<b/>" }, C, "us-east-1", "route53", C.time).signature, s1);
    assert.notEqual(signV4(base, { ...C, secretAccessKey: "x" }, "us-east-1", "route53", C.time).signature, s1);
    assert.notEqual(signV4(base, C, "us-east-1", "route53", C.time + 1000).signature, s1);
  });

  it("reserved characters/uriEncode/RFC 3986 upper-case escapes", () => {
    assert.equal(uriEncode("a b*!'()~"), "a%20b%2A%21%27%28%29~");
    assert.equal(amzDate(Date.UTC(2026, 10, 27, 6, 5, 9)), "20261127T060509Z");
  });
});
