/**
 * AWS Signature Version 4 test vectors: AWS's published SigV4 test suite (once
 * aws4_testsuite.zip on docs.aws.amazon.com), as kept in awslabs/aws-c-auth under
 * tests/aws-signing-test-suite/v4/<case>/. Each entry is that case's
 * header-signed-request.txt: the request and the Authorization header AWS expects.
 * Copied from: get-vanilla-query-order-key-case, get-vanilla-query-unreserved,
 * get-utf8, get-header-value-trim, get-header-key-duplicate,
 * get-vanilla-with-session-token, post-vanilla (commit 4ec99f28fa66f8a308609dfc6020936c24edaaf2),
 * post-x-www-form-urlencoded (commit 71a25bdee47398379c389e60bfdd74fc031dc20a).
 * get-vanilla's signature is the one AWS's docs give for that case (also asserted by
 * awslabs' own awscrt tests); its header-signed-request.txt was not in the index.
 * Every case: key AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region
 * us-east-1, service "service", time 2015-08-30T12:36:00Z (context.json).
 */
export const VECTOR_CONTEXT = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  time: Date.UTC(2015, 7, 30, 12, 36, 0),
};

export interface Vector {
  case: string;
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body: string;
  sessionToken?: string;
  authorization: string;
}

const CRED = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

export const VECTORS: Vector[] = [
  {
    case: "get-vanilla",
    method: "GET",
    url: "https://example.amazonaws.com/",
    headers: {},
    body: "",
    authorization: `${CRED}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
  },
  {
    case: "get-vanilla-query-order-key-case",
    method: "GET",
    url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
    headers: {},
    body: "",
    authorization: `${CRED}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`,
  },
  {
    case: "get-vanilla-query-unreserved",
    method: "GET",
    url: "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    headers: {},
    body: "",
    authorization: `${CRED}, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197`,
  },
  {
    case: "get-utf8",
    method: "GET",
    url: "https://example.amazonaws.com/\u1234",
    headers: {},
    body: "",
    authorization: `${CRED}, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85`,
  },
  {
    case: "get-header-value-trim",
    method: "GET",
    url: "https://example.amazonaws.com/",
    headers: { "My-Header1": " value1", "My-Header2": ' "a   b   c"' },
    body: "",
    authorization: `${CRED}, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736`,
  },
  {
    case: "get-header-key-duplicate",
    method: "GET",
    url: "https://example.amazonaws.com/",
    headers: { "My-Header1": ["value2", "value2", "value1"] },
    body: "",
    authorization: `${CRED}, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea`,
  },
  {
    case: "get-vanilla-with-session-token",
    method: "GET",
    url: "https://example.amazonaws.com/",
    headers: {},
    body: "",
    sessionToken: "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
    authorization: `${CRED}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8`,
  },
  {
    case: "post-vanilla",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: {},
    body: "",
    authorization: `${CRED}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
  },
  {
    case: "post-x-www-form-urlencoded",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "Content-Length": "13",
      "x-amz-content-sha256": "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    },
    body: "Param1=value1",
    authorization: `${CRED}, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b`,
  },
];
