// Real AWS SDK for JavaScript v3 client against the authdoctor IMDS emulator (driven by
// tests/peers.rs): `fromInstanceMetadata()` from @aws-sdk/credential-providers with its
// defaults (1 s timeout, no retries). The endpoint comes from
// AWS_EC2_METADATA_SERVICE_ENDPOINT, which must be a loopback URL (checked again here).
//
// Prints one JSON line: {ok, access_key_id, secret_matches, token_matches, expiration,
// elapsed_ms, error_name, error, status_code, warnings}. Never prints secret values.

import net from "node:net";
import { fromInstanceMetadata } from "@aws-sdk/credential-providers";

const endpoint = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? "";
let host = "";
try {
  host = new URL(endpoint).hostname.replace(/^\[(.*)\]$/, "$1");
} catch {}
const loopback = (net.isIPv4(host) && host.startsWith("127.")) || host === "::1";
if (!loopback) {
  console.log(JSON.stringify({ ok: false, error: `refusing non-loopback endpoint ${endpoint}` }));
  process.exit(3);
}

const warnings = [];
const logger = {
  debug: () => {},
  info: () => {},
  warn: (...args) => warnings.push(args.map(String).join(" ").slice(0, 300)),
  error: (...args) => warnings.push(args.map(String).join(" ").slice(0, 300)),
};

const result = { ok: false };
const start = performance.now();
try {
  const creds = await fromInstanceMetadata({ logger })();
  Object.assign(result, {
    ok: true,
    access_key_id: creds.accessKeyId,
    secret_matches: creds.secretAccessKey === process.env.EXPECT_SECRET,
    token_matches: creds.sessionToken === process.env.EXPECT_TOKEN,
    expiration: creds.expiration?.toISOString(),
  });
} catch (e) {
  Object.assign(result, {
    error_name: e?.name,
    error: String(e?.message ?? e).slice(0, 300),
    status_code: e?.statusCode,
    try_next_link: e?.tryNextLink,
  });
}
result.elapsed_ms = Math.round(performance.now() - start);
result.warnings = warnings;
console.log(JSON.stringify(result));
