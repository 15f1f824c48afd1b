#!/usr/bin/env python3
"""A loopback stand-in for one AWS API endpoint (STS, EC2 or S3) that answers every request
with one chosen outcome, in the wire shape the real service uses, so real clients print the
error exactly as they would against AWS.

    responder.py MODE            # listens on 127.0.0.1:<free port>, prints the base URL

Modes (see MODES below): a success (`sts-ok`) or one error. Shapes, from the services'
protocols as botocore's parsers read them:
- STS (awsQuery): `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`,
  `x-amzn-RequestId` header; a JSON body with `x-amzn-query-error` if a client ever sends
  the awsJson protocol instead.
- EC2 (ec2 query): `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`.
- S3 (rest-xml): `<Error><Code/><Message/>…<RequestId/><HostId/></Error>`, `x-amz-request-id`,
  `x-amz-id-2`.

The clock-skew modes behave like the services: the responder keeps a server clock
`SKEW_SECONDS` ahead of this host and rejects a request whose `X-Amz-Date` is more than the
tolerance away from it (5 min for STS's "Signature expired", 15 min for S3's
RequestTimeTooSkewed and EC2's RequestExpired); a client that corrects its clock from the `Date` header and retries
then succeeds, as it would against AWS.

Only loopback: it refuses any other bind address.
"""

import datetime
import email.utils
import http.server
import ipaddress
import json
import random
import sys
import uuid

ACCOUNT = "123456789012"
INSTANCE_ID = "i-0a1b2c3d4e5f60718"
CALLER_ARN = f"arn:aws:iam::{ACCOUNT}:user/deploy"
SKEW_SECONDS = 20 * 60

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def encoded_authorization_message() -> str:
    """An opaque blob shaped like EC2's (url-safe base64 alphabet, ~1 KB); fixed seed so
    regenerated transcripts differ only where real runs would."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rng = random.Random(7)
    return "".join(rng.choice(alphabet) for _ in range(1104))


ENCODED = encoded_authorization_message()

# mode -> (service, HTTP status, error code or None for success, message, STS error type)
MODES = {
    "sts-ok": ("sts", 200, None, "", ""),
    "sts-expired-token": (
        "sts",
        400,
        "ExpiredToken",
        "The security token included in the request is expired",
        "Sender",
    ),
    "sts-invalid-client-token": (
        "sts",
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        "Sender",
    ),
    "sts-signature-mismatch": (
        "sts",
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details.",
        "Sender",
    ),
    # The message is filled with the request's and the server's times.
    "sts-signature-expired": ("sts", 403, "SignatureDoesNotMatch", None, "Sender"),
    "ec2-request-expired": ("ec2", 400, "RequestExpired", "Request has expired.", ""),
    # EC2 answers a request dated outside its window with the same code as for expired
    # temporary credentials.
    "ec2-request-expired-skew": ("ec2", 400, "RequestExpired", "Request has expired.", ""),
    "ec2-unauthorized-encoded": (
        "ec2",
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation. "
        f"Encoded authorization failure message: {ENCODED}",
        "",
    ),
    "ec2-unauthorized-no-allow": (
        "ec2",
        403,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation. "
        f"User: {CALLER_ARN} is not authorized to perform: ec2:StopInstances on resource: "
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{INSTANCE_ID} because no identity-based "
        "policy allows the ec2:StopInstances action. "
        f"Encoded authorization failure message: {ENCODED}",
        "",
    ),
    "s3-request-time-too-skewed": (
        "s3",
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        "",
    ),
}

SKEW_TOLERANCE = {
    "sts-signature-expired": 5 * 60,
    "s3-request-time-too-skewed": 15 * 60,
    "ec2-request-expired-skew": 15 * 60,
}


def server_now(mode: str) -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    if mode in SKEW_TOLERANCE:
        return now + datetime.timedelta(seconds=SKEW_SECONDS)
    return now


def amz(t: datetime.datetime) -> str:
    return t.strftime("%Y%m%dT%H%M%SZ")


def parse_amz_date(value: str):
    try:
        return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc
        )
    except ValueError:
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    mode = "sts-ok"
    protocol_version = "HTTP/1.1"
    # Buffered: status line, headers and body leave in one write, as from a real front end.
    wbufsize = 1 << 16
    server_version = "AmazonS3"  # overwritten per service in send()
    sys_version = ""

    def log_message(self, fmt, *args):  # the driver keeps this as the responder's log
        sys.stderr.write("responder: " + (fmt % args) + "\n")

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def do_PUT(self):
        self.answer()

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)) if length else b""
        service, status, code, message, err_type = MODES[self.mode]
        now = server_now(self.mode)
        if self.mode in SKEW_TOLERANCE:
            sent = parse_amz_date(self.headers.get("X-Amz-Date", ""))
            tolerance = SKEW_TOLERANCE[self.mode]
            if sent is not None and abs((now - sent).total_seconds()) <= tolerance:
                # The client corrected its clock: the request is accepted.
                status, code = 200, None
            elif self.mode == "sts-signature-expired":
                sent_text = amz(sent) if sent else amz(now - datetime.timedelta(seconds=SKEW_SECONDS))
                message = (
                    f"Signature expired: {sent_text} is now earlier than "
                    f"{amz(now - datetime.timedelta(seconds=tolerance))} ({amz(now)} - 5 min.)"
                )
        request_id = str(uuid.uuid4())
        json_protocol = "amz-json" in (self.headers.get("Content-Type") or "")
        if code is None:
            payload, ctype = self.success(service, body, request_id, json_protocol)
        else:
            payload, ctype = self.error(
                service, code, message, err_type, request_id, json_protocol, now
            )
        self.send(status, payload, ctype, service, request_id, now, code, err_type)

    def success(self, service, body, request_id, json_protocol):
        if service == "s3":
            return (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                "<Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>"
                "<DisplayName>deploy</DisplayName></Owner><Buckets></Buckets>"
                "</ListAllMyBucketsResult>",
                "application/xml",
            )
        if service == "ec2":
            return (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                f"<requestId>{request_id}</requestId><reservationSet/>"
                "</DescribeInstancesResponse>",
                "text/xml;charset=UTF-8",
            )
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/authdoctor-demo-role/{INSTANCE_ID}"
        user_id = f"AROAEXAMPLEROLEID1234:{INSTANCE_ID}"
        if json_protocol:
            return (
                json.dumps({"Account": ACCOUNT, "Arn": arn, "UserId": user_id}),
                "application/x-amz-json-1.0",
            )
        return (
            f'<GetCallerIdentityResponse xmlns="{STS_NS}">\n'
            "  <GetCallerIdentityResult>\n"
            f"    <Arn>{arn}</Arn>\n"
            f"    <UserId>{user_id}</UserId>\n"
            f"    <Account>{ACCOUNT}</Account>\n"
            "  </GetCallerIdentityResult>\n"
            "  <ResponseMetadata>\n"
            f"    <RequestId>{request_id}</RequestId>\n"
            "  </ResponseMetadata>\n"
            "</GetCallerIdentityResponse>\n",
            "text/xml",
        )

    def error(self, service, code, message, err_type, request_id, json_protocol, now):
        if service == "s3":
            extra = ""
            if code == "RequestTimeTooSkewed":
                sent = self.headers.get("X-Amz-Date", "")
                extra = (
                    f"<RequestTime>{sent}</RequestTime>"
                    f"<ServerTime>{now.strftime('%Y-%m-%dT%H:%M:%SZ')}</ServerTime>"
                    "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"
                )
            return (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{code}</Code><Message>{message}</Message>{extra}"
                f"<RequestId>{request_id[:16].replace('-', '').upper()}</RequestId>"
                "<HostId>Zm9yIGEgdHJhbnNjcmlwdCBvbmx5LCBub3QgYSByZWFsIEhvc3RJZCBmcm9tIFMz</HostId>"
                "</Error>",
                "application/xml",
            )
        if service == "ec2":
            return (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>",
                "text/xml;charset=UTF-8",
            )
        if json_protocol:
            return (
                json.dumps({"__type": f"com.amazon.coral.service#{code}", "message": message}),
                "application/x-amz-json-1.0",
            )
        return (
            f'<ErrorResponse xmlns="{STS_NS}">\n'
            "  <Error>\n"
            f"    <Type>{err_type}</Type>\n"
            f"    <Code>{code}</Code>\n"
            f"    <Message>{message}</Message>\n"
            "  </Error>\n"
            f"  <RequestId>{request_id}</RequestId>\n"
            "</ErrorResponse>\n",
            "text/xml",
        )

    def send(self, status, payload, ctype, service, request_id, now, code, err_type):
        data = payload.encode()
        self.send_response_only(status)
        if service == "s3":
            self.send_header("x-amz-request-id", request_id[:16].replace("-", "").upper())
            self.send_header(
                "x-amz-id-2", "Zm9yIGEgdHJhbnNjcmlwdCBvbmx5LCBub3QgYSByZWFsIEhvc3RJZCBmcm9tIFMz"
            )
            self.send_header("Server", "AmazonS3")
        elif service == "ec2":
            self.send_header("x-amzn-RequestId", request_id)
            self.send_header("Server", "AmazonEC2")
        else:
            self.send_header("x-amzn-RequestId", request_id)
            if code and "amz-json" in ctype:
                self.send_header("x-amzn-query-error", f"{code};{err_type}")
        self.send_header("Date", email.utils.format_datetime(now, usegmt=True))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        sys.stderr.write(f"usage: responder.py {{{'|'.join(MODES)}}}\n")
        sys.exit(2)
    host = "127.0.0.1"
    assert ipaddress.ip_address(host).is_loopback
    Handler.mode = sys.argv[1]
    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    print(f"http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
