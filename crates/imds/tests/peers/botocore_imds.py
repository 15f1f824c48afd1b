"""Real botocore client against the authdoctor IMDS emulator (driven by tests/peers.rs).

Resolves credentials exactly as an application would: a botocore session's default
credential chain, which ends with the instance metadata provider. The endpoint comes from
AWS_EC2_METADATA_SERVICE_ENDPOINT, which must be a loopback URL (checked again here).

Prints one JSON line: {"ok", "method", "access_key_id", "secret_matches",
"token_matches", "expiry", "elapsed_ms", "error"}. Never prints secret values.
"""

import ipaddress
import json
import logging
import os
import sys
import time
import urllib.parse


def refuse_non_loopback():
    endpoint = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "")
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        print(json.dumps({"ok": False, "error": "refusing non-loopback endpoint %r" % endpoint}))
        sys.exit(3)


def main():
    refuse_non_loopback()
    # Debug logs go to stderr for humans reading a failed test; botocore logs the role
    # name and statuses there, and (for garbage bodies) the body, which holds no secret.
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if os.environ.get("PEER_DEBUG") else logging.WARNING)
    import botocore
    import botocore.session

    want_secret = os.environ.get("EXPECT_SECRET", "")
    want_token = os.environ.get("EXPECT_TOKEN", "")
    result = {"ok": False, "botocore": botocore.__version__}
    start = time.monotonic()
    try:
        session = botocore.session.get_session()
        creds = session.get_credentials()
        if creds is None:
            result["error"] = "NoCredentials: Unable to locate credentials"
        else:
            frozen = creds.get_frozen_credentials()
            result.update(
                ok=True,
                method=creds.method,
                access_key_id=frozen.access_key,
                secret_matches=frozen.secret_key == want_secret,
                token_matches=frozen.token == want_token,
            )
            expiry = getattr(creds, "_expiry_time", None)
            if expiry is not None:
                result["expiry"] = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    except Exception as e:  # noqa: BLE001 - the test asserts on what escaped
        result["error"] = "%s: %s" % (type(e).__name__, str(e)[:300])
    result["elapsed_ms"] = int((time.monotonic() - start) * 1000)
    print(json.dumps(result))


main()
