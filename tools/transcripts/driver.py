#!/usr/bin/env python3
"""Runs every case × client × (debug, plain) and writes the transcript corpus.

Must run inside a network namespace whose only interface is loopback (run.sh starts it with
`unshare --net`); it checks that first and refuses otherwise, so no client can reach a real
metadata service or AWS endpoint.

Each run gets a fresh emulator (`authdoctor emulate imds --fault F`), a fresh responder
(responder.py) standing in for the AWS API, a fresh temporary HOME with an empty credentials
file and a config file that only sets the region, and an environment built from nothing.
stdout and stderr are captured together, as a terminal shows them. The stored text is the
client's output with loopback addresses replaced by the real ones a user would see
(169.254.169.254, sts.us-east-1.amazonaws.com, …) and local paths by /home/user/….

    driver.py --authdoctor BIN --out DIR [--only CLIENT,…] [--cases CASE,…] [--jobs N]
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VENV = REPO / ".venv-transcripts"
BUILD = HERE / ".build"
RUST_APP = HERE / "rust" / "target" / "debug" / "transcript-rust-client"

RUN_TIMEOUT_SECONDS = 90
MAX_TRANSCRIPT_BYTES = 200_000
KEEP_HEAD_BYTES = 130_000
KEEP_TAIL_BYTES = 60_000

INSTANCE_ID = "i-0a1b2c3d4e5f60718"
STATIC_KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
TEMPORARY_KEYS = {
    "AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLETOKENxGxKgJzRzXAMPLExAMPLEsessionTOKENfakeEXAMPLE==",
}

# API error cases: (operation, responder mode, credentials in the environment, scenario).
API_CASES = {
    "sts-expired-token": ("sts", "sts-expired-token", TEMPORARY_KEYS, "expired-token"),
    "ec2-request-expired": ("ec2", "ec2-request-expired", TEMPORARY_KEYS, "expired-token"),
    # The same answer for a clock 20 minutes behind, with long-term keys.
    "ec2-request-expired-skew": ("ec2", "ec2-request-expired-skew", STATIC_KEYS, "clock-skew"),
    "sts-invalid-client-token": (
        "sts",
        "sts-invalid-client-token",
        STATIC_KEYS,
        "invalid-client-token",
    ),
    "sts-signature-mismatch": ("sts", "sts-signature-mismatch", STATIC_KEYS, "signature-mismatch"),
    "sts-signature-expired": ("sts", "sts-signature-expired", STATIC_KEYS, "clock-skew"),
    "s3-request-time-too-skewed": ("s3", "s3-request-time-too-skewed", STATIC_KEYS, "clock-skew"),
    "ec2-unauthorized-encoded": (
        "ec2-stop",
        "ec2-unauthorized-encoded",
        STATIC_KEYS,
        "encoded-authorization-message",
    ),
    "ec2-unauthorized-no-allow": (
        "ec2-stop",
        "ec2-unauthorized-no-allow",
        STATIC_KEYS,
        "access-denied-missing-allow",
    ),
}

# Real HTTP proxies between the client and a healthy emulator (HTTP_PROXY set, NO_PROXY not):
# what each proxy answers for the metadata address. Clients that apply the proxy variables to
# IMDS get the proxy's refusal; clients that don't (or that never proxy loopback) succeed and
# are labelled `none`, as every successful run is.
PROXY_CASES = {
    # Squid 5 refusing a destination by its access rules (`http_access deny to_localhost`
    # here; a corporate proxy's rules for link-local addresses in the field): 403 with
    # `X-Squid-Error: ERR_ACCESS_DENIED` and its HTML page.
    "proxy-squid-denied": "squid",
    # Tinyproxy's URL filter: 403 "Filtered" and its XHTML page.
    "proxy-tinyproxy-filtered": "tinyproxy",
    # Privoxy that cannot reach the destination (a dead parent proxy here; a proxy on another
    # host that cannot reach the instance's link-local address in the field): 503 "Connect
    # failed" and its HTML page.
    "proxy-privoxy-unreachable": "privoxy",
}
PROXY_SHOWN_AS = "proxy.corp.example:3128"

SERVICE_HOST = {
    "sts": "sts.us-east-1.amazonaws.com",
    "ec2": "ec2.us-east-1.amazonaws.com",
    "ec2-stop": "ec2.us-east-1.amazonaws.com",
    "s3": "s3.us-east-1.amazonaws.com",
}

CLI_ARGS = {
    "sts": ["sts", "get-caller-identity"],
    "ec2": ["ec2", "describe-instances"],
    "ec2-stop": ["ec2", "stop-instances", "--instance-ids", INSTANCE_ID],
    "s3": ["s3", "ls"],
}

CLIENTS = ["botocore", "awscli-v1", "awscli-v2", "js-v3", "js-v2", "go-v1", "go-v2", "rust", "ruby"]

# Clients whose metadata client ignores the endpoint's port (the Ruby SDK 3.168 connects to
# port 80 of AWS_EC2_METADATA_SERVICE_ENDPOINT's host): their emulator listens on
# 127.0.0.1:80 of the namespace, one run at a time.
PORT_80_CLIENTS = {"ruby"}
PORT_80 = threading.Lock()


def client_command(client, operation, debug, endpoint):
    """argv and extra environment for one client run."""
    flag = ["--debug"] if debug else []
    if client == "botocore":
        return [str(VENV / "bin" / "python"), str(HERE / "python" / "app.py"), operation, *flag], {}
    if client == "awscli-v1":
        return [str(VENV / "bin" / "aws"), *CLI_ARGS[operation], *flag], {}
    if client == "awscli-v2":
        # Debian's CLI v2 (2.9) predates AWS_ENDPOINT_URL: the endpoint goes on the command line.
        return ["/usr/bin/aws", *CLI_ARGS[operation], "--endpoint-url", endpoint, *flag], {}
    if client == "js-v3":
        return ["/usr/bin/node", str(HERE / "js" / "app.mjs"), operation, *flag], {}
    if client == "js-v2":
        return ["/usr/bin/node", str(HERE / "js-v2" / "app.js"), operation, *flag], {}
    if client == "ruby":
        return ["/usr/bin/ruby", str(HERE / "ruby" / "app.rb"), operation, *flag], {}
    if client == "go-v1":
        return [str(BUILD / "go-v1-app"), operation, *flag], {}
    if client == "go-v2":
        return [str(BUILD / "go-v2-app"), operation, *flag], {}
    if client == "rust":
        return [str(RUST_APP), operation], ({"RUST_LOG": "debug"} if debug else {})
    raise ValueError(client)


def supported_operations(client):
    """The operations a client can run; the Rust program builds EC2 and S3 only on request,
    and Debian packages no EC2 client for Ruby."""
    if client == "ruby":
        return {"sts", "s3"}
    if client != "rust":
        return set(CLI_ARGS)
    out = subprocess.run([str(RUST_APP), "--operations"], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def case_operation(case):
    return API_CASES[case][0] if case in API_CASES else "sts"


def client_version(client):
    def run(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    if client == "botocore":
        return "botocore " + run([str(VENV / "bin" / "python"), "-c", "import botocore; print(botocore.__version__)"])
    if client == "awscli-v1":
        out = run([str(VENV / "bin" / "aws"), "--version"])
        return out.split(" Python")[0] + (" (vendored botocore " + out.split("botocore/")[-1] + ")" if "botocore/" in out else "")
    if client == "awscli-v2":
        return run(["/usr/bin/aws", "--version"]).split(" Python")[0] + " (Debian awscli)"
    if client == "js-v3":
        pkg = json.loads((HERE / "js" / "node_modules" / "@aws-sdk" / "client-sts" / "package.json").read_text())
        return f"@aws-sdk/client-sts {pkg['version']} (node {run(['/usr/bin/node', '--version'])})"
    if client == "js-v2":
        pkg = json.loads((HERE / "js-v2" / "node_modules" / "aws-sdk" / "package.json").read_text())
        return f"aws-sdk {pkg['version']} (node {run(['/usr/bin/node', '--version'])})"
    if client == "ruby":
        version = run(["dpkg-query", "-W", "-f", "${Version}", "ruby-aws-sdk-core"])
        return f"aws-sdk-core {version.split('-')[0]} (Debian ruby-aws-sdk-core {version}, {run(['/usr/bin/ruby', '--version']).split(' (')[0]})"
    if client in ("go-v1", "go-v2"):
        package = {"go-v1": "golang-github-aws-aws-sdk-go-dev", "go-v2": "golang-github-aws-aws-sdk-go-v2-dev"}[client]
        version = run(["dpkg-query", "-W", "-f", "${Version}", package])
        name = {"go-v1": "aws-sdk-go", "go-v2": "aws-sdk-go-v2"}[client]
        return f"{name} {version.split('-')[0]} (Debian {package} {version}, {run(['go', 'version']).replace('go version ', '')})"
    if client == "rust":
        lock = (HERE / "rust" / "Cargo.lock").read_text()
        versions = []
        for crate in ("aws-config", "aws-sdk-sts"):
            m = re.search(r'name = "%s"\nversion = "([^"]+)"' % crate, lock)
            versions.append(f"{crate} {m.group(1) if m else '?'}")
        return ", ".join(versions)
    return "?"


def only_loopback():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    names = [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if line.strip()]
    return names == ["lo"], names


def emulator_faults(authdoctor):
    """The faults `authdoctor emulate imds --help` lists, in its order, each with the
    scenario it reproduces (`[scenario]` after its description, from the scenario files'
    `emulated_by`) or None."""
    text = subprocess.run([authdoctor, "emulate", "imds", "--help"], capture_output=True, text=True, check=True).stdout
    block = text.split("--fault <NAME>", 1)[1].split("--http-tokens", 1)[0]
    items = re.split(r"^\s+- (?=[a-z0-9-]+:)", block, flags=re.M)[1:]
    faults = {}
    for item in items:
        name, help_text = item.split(":", 1)
        scenario = re.search(r"\[([a-z0-9-]+)\]", help_text)
        faults[name] = scenario.group(1) if scenario else None
    return faults


def stop_child(proc, log):
    """Ends a child process (politely, then not) and closes its log."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


class Server:
    """A child process that prints its base URL on the first stdout line."""

    def __init__(self, argv, log_path):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"{argv[0]}: unexpected first line {line!r}")
        self.url = line
        self.port = int(line.rsplit(":", 1)[1].strip("/"))

    def stop(self):
        stop_child(self.proc, self.log)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proxy:
    """A real HTTP proxy (Squid, Tinyproxy or Privoxy) on 127.0.0.1, configured in run_dir."""

    def __init__(self, kind, run_dir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = run_dir / f"{kind}.conf"
        if kind == "squid":
            # Squid drops to its own user: its log must be writable by it.
            os.chmod(run_dir, 0o777)
            conf.write_text(
                f"http_port 127.0.0.1:{self.port}\n"
                "acl to_localhost dst 127.0.0.0/8 0.0.0.0/32 ::1\n"
                "http_access deny to_localhost\n"
                "http_access allow localhost\n"
                "http_access deny all\n"
                f"pid_filename {run_dir}/squid.pid\n"
                "access_log none\n"
                f"cache_log {run_dir}/squid-cache.log\n"
                "cache deny all\n"
                "visible_hostname proxy.corp.example\n"
            )
            argv = ["/usr/sbin/squid", "-N", "-f", str(conf)]
        elif kind == "tinyproxy":
            (run_dir / "filter").write_text("latest\n")
            conf.write_text(
                f"Port {self.port}\nListen 127.0.0.1\nTimeout 10\nLogLevel Critical\n"
                'Allow 127.0.0.1\nViaProxyName "tinyproxy"\nFilterURLs On\n'
                f'Filter "{run_dir}/filter"\nFilterDefaultDeny No\n'
            )
            argv = ["/usr/bin/tinyproxy", "-d", "-c", str(conf)]
        elif kind == "privoxy":
            # Port 9 (discard) has no listener: every forwarded connection fails.
            conf.write_text(
                f"listen-address 127.0.0.1:{self.port}\nconfdir /etc/privoxy\n"
                f"logdir {run_dir}\nforward / 127.0.0.1:9\n"
            )
            argv = ["/usr/sbin/privoxy", "--no-daemon", str(conf)]
        else:
            raise ValueError(kind)
        self.log = open(run_dir / f"{kind}.log", "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{kind} did not start; see {self.log.name}")
                time.sleep(0.1)

    def stop(self):
        stop_child(self.proc, self.log)


def normalise(text, imds_port, api_port, api_host, imds_case, paths, proxy_port=None):
    """Loopback addresses become the addresses a user would see; local paths become
    /home/user/…. Timestamps and everything else stay as printed."""
    if proxy_port is not None:
        text = text.replace(f"127.0.0.1:{proxy_port}", PROXY_SHOWN_AS)
    for port, host, scheme, default_port in (
        (imds_port, "169.254.169.254", "http", 80),
        (api_port, api_host, "https", 443),
    ):
        text = text.replace(f"http://127.0.0.1:{port}", f"{scheme}://{host}")
        text = re.sub(rf"(?i)\b(host:\s*)127\.0\.0\.1:{port}\b", rf"\g<1>{host}", text)
        text = text.replace(f"127.0.0.1:{port}", f"{host}:{default_port}")
        text = re.sub(rf"(?i)(\bport['\"]?\s*[=:]\s*['\"]?){port}\b", rf"\g<1>{default_port}", text)
    # urllib3 names the scheme it connects with; the real API endpoints are HTTPS.
    text = re.sub(
        r"Starting new HTTP connection (\(\d+\)): ([a-z0-9.-]+\.amazonaws\.com)",
        r"Starting new HTTPS connection \1: \2",
        text,
    )
    # The client's own end of a connection (Go prints `read tcp <local>-><remote>`): an
    # address in a default VPC, as on an instance.
    text = re.sub(r"127\.0\.0\.1:(\d+)->", r"172.31.5.17:\1->", text)
    bare = "169.254.169.254" if imds_case else api_host
    text = text.replace("127.0.0.1", bare)
    for local, shown in paths:
        text = text.replace(local, shown)
    return text


def cut(text):
    data = text.encode()
    if len(data) <= MAX_TRANSCRIPT_BYTES:
        return text, False
    head = data[:KEEP_HEAD_BYTES].decode(errors="ignore")
    head = head[: head.rfind("\n") + 1]
    tail = data[-KEEP_TAIL_BYTES:].decode(errors="ignore")
    tail = tail[tail.find("\n") + 1 :]
    dropped = len(data) - len(head.encode()) - len(tail.encode())
    return head + f"[… {dropped} bytes of this log cut by tools/transcripts …]\n" + tail, True


def run_one(authdoctor, case, client, debug, workdir, fault_scenarios, imds_listen=None):
    imds_case = case not in API_CASES
    proxy_kind = PROXY_CASES.get(case)
    if proxy_kind:
        fault = "none"
        operation, mode, keys, label = "sts", "sts-ok", {}, "imds-proxy"
    elif imds_case:
        fault = case
        operation, mode, keys, label = "sts", "sts-ok", {}, fault_scenarios.get(case)
        if case == "expired-credentials":
            # AWS rejects expired credentials: the API answers what it would.
            mode = "sts-expired-token"
    else:
        fault = "none"
        operation, mode, keys, label = API_CASES[case]
    run_dir = Path(tempfile.mkdtemp(prefix=f"{client}-{case}-", dir=workdir))
    home = run_dir / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    (home / ".aws" / "credentials").write_text("")
    listen = ["--listen", imds_listen] if imds_listen else []
    imds = Server(
        [authdoctor, "emulate", "imds", "--fault", fault, "--color", "never", *listen], run_dir / "emulator.log"
    )
    api = Server([sys.executable, str(HERE / "responder.py"), mode], run_dir / "responder.log")
    proxy = None
    try:
        proxy = Proxy(proxy_kind, run_dir) if proxy_kind else None
        proxy_env = (
            {"HTTP_PROXY": proxy.url, "http_proxy": proxy.url, "HTTPS_PROXY": proxy.url, "https_proxy": proxy.url}
            if proxy
            else {}
        )
        argv, extra = client_command(client, operation, debug, api.url)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            # Debian's CLI v2 (2.9) appends paths without a separator: it needs the slash.
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url + ("/" if client == "awscli-v2" else ""),
            "AWS_ENDPOINT_URL": api.url,
            "AWS_PAGER": "",
            **keys,
            **proxy_env,
            **extra,
        }
        started = time.monotonic()
        proc = subprocess.run(
            ["timeout", "-k", "5", str(RUN_TIMEOUT_SECONDS), *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=home,
        )
        elapsed = time.monotonic() - started
    finally:
        imds.stop()
        api.stop()
        if proxy:
            proxy.stop()
    text = proc.stdout.decode(errors="replace")
    paths = [
        (str(VENV), "/home/user/.venv"),
        (str(HERE / "python"), "/home/user/app"),
        # Before `js`, which is a prefix of it.
        (str(HERE / "js-v2"), "/home/user/app"),
        (str(HERE / "js"), "/home/user/app"),
        (str(HERE / "ruby"), "/home/user/app"),
        (str(HERE / "rust" / "target" / "debug"), "/home/user/app/target/release"),
        (str(HERE / "rust"), "/home/user/app"),
        (str(BUILD), "/home/user/bin"),
        (str(home), "/home/user"),
        (str(Path.home()) + "/", "/home/user/"),
    ]
    text = normalise(
        text, imds.port, api.port, SERVICE_HOST[operation], imds_case, paths, proxy.port if proxy else None
    )
    text, truncated = cut(text)
    if proc.returncode == 0:
        scenario = "none"
    elif label is None:
        scenario = "unknown"
    else:
        scenario = label
    shutil.rmtree(run_dir, ignore_errors=True)
    return {
        "kind": "imds" if imds_case else "api",
        "operation": operation,
        "exit_code": proc.returncode,
        "elapsed_s": round(elapsed, 1),
        "scenario": scenario,
        "truncated": truncated,
        "text": text,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--authdoctor", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", default=",".join(CLIENTS))
    parser.add_argument("--cases", default="")
    parser.add_argument("--jobs", type=int, default=3)
    args = parser.parse_args()

    ok, names = only_loopback()
    if not ok:
        sys.exit(f"refusing to run: interfaces {names}; run inside `unshare --net` (run.sh does)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

    clients = [c for c in args.only.split(",") if c]
    fault_scenarios = emulator_faults(args.authdoctor)
    cases = list(fault_scenarios) + list(API_CASES) + list(PROXY_CASES)
    if args.cases:
        cases = [c for c in cases if c in args.cases.split(",")]
    versions = {c: client_version(c) for c in clients}
    out = Path(args.out)
    workdir = tempfile.mkdtemp(prefix="transcripts-")
    supported = {c: supported_operations(c) for c in clients}
    jobs = [
        (case, client, debug)
        for client in clients
        for case in cases
        if case_operation(case) in supported[client]
        for debug in (False, True)
    ]
    skipped = [(c, case) for c in clients for case in cases if case_operation(case) not in supported[c]]
    if skipped:
        print(f"skipped (operation not built into the client): {skipped}", flush=True)
    lock = threading.Lock()
    done = [0]

    def job(spec):
        case, client, debug = spec
        if client in PORT_80_CLIENTS:
            with PORT_80:
                result = run_one(args.authdoctor, case, client, debug, workdir, fault_scenarios, "127.0.0.1:80")
        else:
            result = run_one(args.authdoctor, case, client, debug, workdir, fault_scenarios)
        name = f"{client}/{case}{'-debug' if debug else ''}.txt"
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.pop("text"))
        entry = {
            "file": name,
            "client": client,
            "client_version": versions[client],
            "fault": case,
            "debug": debug,
            "scenario": result.pop("scenario"),
            **result,
        }
        with lock:
            done[0] += 1
            print(f"[{done[0]}/{len(jobs)}] {name}: exit {entry['exit_code']} in {entry['elapsed_s']} s -> {entry['scenario']}", flush=True)
        return entry

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        entries = list(pool.map(job, jobs))
    shutil.rmtree(workdir, ignore_errors=True)

    manifest = out / "manifest.jsonl"
    kept = {}
    if manifest.exists():
        for line in manifest.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                kept[entry["file"]] = entry
    for entry in entries:
        kept[entry["file"]] = entry
    lines = [json.dumps(kept[name], ensure_ascii=False) for name in sorted(kept)]
    manifest.write_text("\n".join(lines) + "\n")
    print(f"{len(entries)} transcripts written; manifest has {len(kept)} lines")


if __name__ == "__main__":
    main()
