"""A fault-injecting HTTP proxy in front of a moto server, for recon's fault tests.

Usage: python faultproxy.py --listen-port P --upstream-port U [--seed N] [--exit-on-stdin-eof]

Listens on 127.0.0.1:P (0 picks a free port) and prints "ready <port>" once it
accepts connections. Every request is forwarded byte for byte (request line,
headers, body; the Host header and everything SigV4 signs are untouched) to moto
on 127.0.0.1:U and the answer is relayed back, unless a rule says otherwise.
Client connections are HTTP/1.1 keep-alive, as AWS's are (the SDK's connection
pool reuses them), although moto closes every connection: each forwarded request
uses a fresh upstream connection, and the hop-by-hop Connection/Keep-Alive headers
of moto's answer are dropped. Nothing else in an answer is changed.

Each request is given
- a service: the SigV4 credential scope (`Credential=AKID/date/region/<service>/aws4_request`),
  else a guess from X-Amz-Target or the path (Lambda's /2015-03-31/), else null;
- an operation: awsJson `X-Amz-Target` after its last '.' (`TrentService.CreateKey` ->
  `CreateKey`); AWS query `Action=` from the form body or the query string
  (`RunInstances`); otherwise (REST: S3, Lambda) the request target itself,
  "<METHOD> <path>[?<query>]" (`PUT /my-bucket`, `POST /2015-03-31/functions`).

Control API on the same port (no AWS path starts with /__fault__/: bucket names
have no underscores):
  POST   /__fault__/rules   JSON list of rules (or {"rules": [...], "seed": N}); replaces them
  GET    /__fault__/rules   the rules with their counters ("matched", "injected")
  DELETE /__fault__/rules   no rules: everything passes
  GET    /__fault__/log     [{"seq", "service", "operation", "method", "path", "fault", "rule",
                              "status", "conn"}]: every AWS request in arrival order; "fault"
                              is null when it passed, "status" is moto's (null if never
                              forwarded and unanswered), "conn" numbers client connections
  DELETE /__fault__/log     empties the log (seq keeps counting)

A rule (checked in order; the first one that injects wins):
  {"operation": "RunInstances"}  exact operation name ("*": every request), or
  {"match": "<regex>"}           re.search over the operation name and over "<METHOD> <path>[?<query>]"
  "service": "ec2"               optional; only requests to that service
  "fault": "throttle" | "error500" | "drop_response" | "delay" | "reset_before"
  "times": N                     inject on N matching requests, then let them pass
  "probability": p               inject with probability p (seeded RNG; with "times", at most N)
  "after": K                     let the first K matching requests pass first
  "delay_seconds": s             sleep s before the fault (the only effect of "delay")
With neither "times" nor "probability" a rule injects on every match.

Faults:
  throttle       not forwarded; the service's own throttling error in its wire format
  error500       not forwarded; HTTP 500 in the service's internal-error shape
  drop_response  forwarded (the call happens), moto's whole answer read, then the client
                 connection is reset (SO_LINGER 0) without a byte of the answer
  reset_before   not forwarded; the client connection is reset after the request is read
  delay          sleeps delay_seconds, then forwards normally

Throttling answers (every code is in aws-runtime's THROTTLING_ERRORS and botocore's list):
  EC2 503 RequestLimitExceeded (EC2 XML); IAM, STS, SNS 400 Throttling (query ErrorResponse);
  KMS, EventBridge, CloudWatch Logs 400 ThrottlingException (awsJson, x-amzn-ErrorType); SQS 400
  RequestThrottled (awsJson, x-amzn-query-error); Lambda 429 TooManyRequestsException;
  S3 (and other REST-XML) 503 SlowDown. error500: EC2 InternalError, IAM ServiceFailure,
  KMS KMSInternalException, EventBridge InternalException, CloudWatch Logs
  ServiceUnavailableException, SQS InternalError, Lambda ServiceException, S3
  InternalError, otherwise InternalFailure; all HTTP 500.
"""

import argparse
import email.utils
import json
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

CONTROL_PREFIX = "/__fault__/"
FAULTS = ("throttle", "error500", "drop_response", "delay", "reset_before")
MAX_LINE = 65536
MAX_HEADERS = 200
UPSTREAM_TIMEOUT = 600.0

REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ClientGone(Exception):
    """The peer closed the connection (or sent something we cannot frame)."""


# ---------------------------------------------------------------------------
# HTTP/1.1 framing, kept raw so that requests are forwarded verbatim.


def read_head(rfile):
    """Reads a start line and headers. Returns (raw bytes, start line, [(lower name, value)]),
    or None at a clean EOF before the first byte."""
    raw = bytearray()
    line = rfile.readline(MAX_LINE)
    # Tolerate stray empty lines between messages (RFC 9112 2.2).
    while line in (b"\r\n", b"\n"):
        line = rfile.readline(MAX_LINE)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise ClientGone("start line too long or truncated")
    raw += line
    start = line.decode("latin-1").rstrip("\r\n")
    headers = []
    while True:
        line = rfile.readline(MAX_LINE)
        if not line or not line.endswith(b"\n"):
            raise ClientGone("headers truncated")
        raw += line
        if line in (b"\r\n", b"\n"):
            break
        if len(headers) >= MAX_HEADERS:
            raise ClientGone("too many headers")
        text = line.decode("latin-1").rstrip("\r\n")
        name, sep, value = text.partition(":")
        if not sep:
            raise ClientGone("malformed header line")
        headers.append((name.strip().lower(), value.strip()))
    return bytes(raw), start, headers


def header(headers, name):
    """The last value of header `name` (lower case), or None."""
    value = None
    for k, v in headers:
        if k == name:
            value = v
    return value


def read_exact(rfile, n):
    data = rfile.read(n)
    if data is None or len(data) != n:
        raise ClientGone("body truncated")
    return data


def read_chunked(rfile):
    """Reads a chunked body and returns its raw bytes, framing and trailers included."""
    raw = bytearray()
    while True:
        line = rfile.readline(MAX_LINE)
        if not line or not line.endswith(b"\n"):
            raise ClientGone("chunk size truncated")
        raw += line
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ClientGone("bad chunk size")
        if size == 0:
            break
        raw += read_exact(rfile, size + 2)
    while True:  # trailers, up to the empty line
        line = rfile.readline(MAX_LINE)
        if not line or not line.endswith(b"\n"):
            raise ClientGone("trailers truncated")
        raw += line
        if line in (b"\r\n", b"\n"):
            return bytes(raw)


def is_chunked(headers):
    te = header(headers, "transfer-encoding")
    return te is not None and te.lower().split(",")[-1].strip() == "chunked"


def read_body(rfile, headers):
    """The raw body of a request, framed by Transfer-Encoding or Content-Length."""
    if is_chunked(headers):
        return read_chunked(rfile)
    length = header(headers, "content-length")
    if length:
        try:
            n = int(length)
        except ValueError:
            raise ClientGone("bad content-length")
        return read_exact(rfile, n) if n > 0 else b""
    return b""


def dechunk(raw):
    """The payload of a raw chunked body (for reading Action= out of it)."""
    out = bytearray()
    pos = 0
    while True:
        end = raw.find(b"\n", pos)
        if end < 0:
            return bytes(out)
        size = int(raw[pos:end].split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        out += raw[end + 1 : end + 1 + size]
        pos = end + 1 + size + 2


def wants_close(version, headers):
    conn = (header(headers, "connection") or "").lower()
    tokens = {t.strip() for t in conn.split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" not in tokens
    return "close" in tokens


class Request:
    def __init__(self, head, start, headers, body):
        self.head = head
        self.headers = headers
        self.body = body
        parts = start.split(" ")
        if len(parts) != 3:
            raise ClientGone("malformed request line")
        self.method, self.target, self.version = parts
        split = urlsplit(self.target)
        self.path = split.path
        self.query = split.query

    def raw(self):
        return self.head + self.body

    def payload(self):
        return dechunk(self.body) if is_chunked(self.headers) else self.body


class Response:
    def __init__(self, head, status, headers, body):
        self.head = head
        self.status = status
        self.headers = headers
        self.body = body

    def raw(self):
        return self.head + self.body


HOP_BY_HOP = ("connection", "keep-alive")


def strip_hop_by_hop(head):
    lines = head.split(b"\r\n")
    kept = [
        line
        for i, line in enumerate(lines)
        if i == 0 or line.split(b":", 1)[0].strip().lower().decode("latin-1") not in HOP_BY_HOP
    ]
    return b"\r\n".join(kept)


def forward(request, upstream_port):
    """Sends the request verbatim to moto on a fresh connection and reads the whole answer."""
    with socket.create_connection(("127.0.0.1", upstream_port), timeout=UPSTREAM_TIMEOUT) as up:
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up.sendall(request.raw())
        rfile = up.makefile("rb")
        try:
            while True:
                got = read_head(rfile)
                if got is None:
                    raise ClientGone("upstream closed without an answer")
                head, start, headers = got
                parts = start.split(" ", 2)
                status = int(parts[1])
                # Interim answers (100 Continue) are consumed here: the client got the
                # whole body already, so it expects only the final answer.
                if 100 <= status < 200 and status != 101:
                    continue
                break
            if request.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
                body = b""
            elif is_chunked(headers):
                body = read_chunked(rfile)
            elif header(headers, "content-length") is not None:
                body = read_exact(rfile, int(header(headers, "content-length")))
            else:
                # Delimited by close: read to EOF, then give the client a length so
                # that its connection can be kept alive.
                body = rfile.read()
                head = head[: -2] + b"Content-Length: %d\r\n\r\n" % len(body)
                headers.append(("content-length", str(len(body))))
            # Connection and Keep-Alive are hop-by-hop: moto says "Connection: close" on
            # every answer, but the client's connection is ours to keep alive, as AWS does.
            head = strip_hop_by_hop(head)
            headers = [(k, v) for k, v in headers if k not in HOP_BY_HOP]
            return Response(head, status, headers, body)
        finally:
            rfile.close()


# ---------------------------------------------------------------------------
# What a request is.

CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
TARGET_SERVICES = {
    "trentservice": "kms",
    "awsevents": "events",
    "amazonsqs": "sqs",
    "logs": "logs",
}


def identify(request):
    """(service, operation, protocol) of a request; protocol is query, json or rest."""
    service = None
    auth = header(request.headers, "authorization") or ""
    m = CREDENTIAL.search(auth)
    if not m and "X-Amz-Credential" in request.query:
        cred = parse_qs(request.query).get("X-Amz-Credential", [""])[0]
        parts = cred.split("/")
        if len(parts) == 5:
            service = parts[3]
    if m:
        service = m.group(1)

    target = header(request.headers, "x-amz-target")
    if target:
        if service is None:
            service = TARGET_SERVICES.get(target.split(".", 1)[0].split("_", 1)[0].lower())
        return service, target.rsplit(".", 1)[-1], "json"

    content_type = (header(request.headers, "content-type") or "").lower()
    action = None
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        payload = request.payload()
        try:
            action = parse_qs(payload.decode("utf-8", "replace")).get("Action", [None])[0]
        except ValueError:
            action = None
    if action is None and request.query:
        action = parse_qs(request.query).get("Action", [None])[0]
    if action:
        return service, action, "query"

    if service is None and request.path.startswith("/2015-03-31/"):
        service = "lambda"
    return service, f"{request.method} {request.target}", "rest"


# ---------------------------------------------------------------------------
# Rules.


class Rule:
    def __init__(self, spec, index):
        if not isinstance(spec, dict):
            raise ValueError(f"rule {index}: not an object")
        unknown = set(spec) - {
            "operation", "match", "service", "fault", "times", "probability", "after",
            "delay_seconds", "comment",
        }
        if unknown:
            raise ValueError(f"rule {index}: unknown fields {sorted(unknown)}")
        self.spec = spec
        self.index = index
        self.operation = spec.get("operation")
        pattern = spec.get("match")
        if (self.operation is None) == (pattern is None):
            raise ValueError(f"rule {index}: give exactly one of operation and match")
        self.regex = re.compile(pattern) if pattern is not None else None
        self.service = spec.get("service")
        self.fault = spec.get("fault")
        if self.fault not in FAULTS:
            raise ValueError(f"rule {index}: fault must be one of {FAULTS}")
        self.times = spec.get("times")
        self.probability = spec.get("probability")
        self.after = int(spec.get("after", 0))
        self.delay = float(spec.get("delay_seconds", 0))
        if self.times is not None and (not isinstance(self.times, int) or self.times < 0):
            raise ValueError(f"rule {index}: times must be a non-negative integer")
        if self.probability is not None and not 0 <= float(self.probability) <= 1:
            raise ValueError(f"rule {index}: probability must be in [0, 1]")
        if self.fault == "delay" and "delay_seconds" not in spec:
            raise ValueError(f"rule {index}: delay needs delay_seconds")
        self.matched = 0
        self.injected = 0

    def matches(self, service, operation, request):
        if self.service is not None and (service or "").lower() != self.service.lower():
            return False
        if self.operation is not None:
            return self.operation == "*" or self.operation == operation
        line = f"{request.method} {request.target}"
        return bool(self.regex.search(operation) or self.regex.search(line))

    def decide(self, rng):
        """Counts a matching request; True when this one gets the fault."""
        self.matched += 1
        if self.matched <= self.after:
            return False
        if self.times is not None and self.injected >= self.times:
            return False
        if self.probability is not None and rng.random() >= float(self.probability):
            return False
        self.injected += 1
        return True

    def describe(self):
        return dict(self.spec, matched=self.matched, injected=self.injected)


class State:
    def __init__(self, seed):
        self.lock = threading.Lock()
        self.rules = []
        self.log = []
        self.seq = 0
        self.connections = 0
        self.rng = random.Random(seed)

    def set_rules(self, doc):
        seed = None
        if isinstance(doc, dict):
            if set(doc) - {"rules", "seed"} or "rules" not in doc:
                raise ValueError('an object of rules is {"rules": [...], "seed": N}')
            seed = doc.get("seed")
            doc = doc["rules"]
        if not isinstance(doc, list):
            raise ValueError("rules must be a JSON list (or {\"rules\": [...], \"seed\": N})")
        rules = [Rule(spec, i) for i, spec in enumerate(doc)]
        with self.lock:
            self.rules = rules
            if seed is not None:
                self.rng = random.Random(seed)

    def connection(self):
        """A number for a new client connection (log entries say which one they came on)."""
        with self.lock:
            self.connections += 1
            return self.connections

    def admit(self, request, conn):
        """Identifies the request, picks its rule and logs it. Returns (entry, rule or None, protocol)."""
        service, operation, protocol = identify(request)
        with self.lock:
            self.seq += 1
            chosen = None
            for rule in self.rules:
                if rule.matches(service, operation, request) and rule.decide(self.rng):
                    chosen = rule
                    break
            entry = {
                "seq": self.seq,
                "service": service,
                "operation": operation,
                "method": request.method,
                "path": request.path,
                "fault": chosen.fault if chosen else None,
                "rule": chosen.index if chosen else None,
                "status": None,
                "conn": conn,
            }
            self.log.append(entry)
        return entry, chosen, protocol

    def finish(self, entry, status):
        with self.lock:
            entry["status"] = status


# ---------------------------------------------------------------------------
# Injected answers, in each service's wire format.


def request_id():
    return str(uuid.uuid4())


def xml_error_response(service, code, message, kind):
    ns = {
        "iam": ' xmlns="https://iam.amazonaws.com/doc/2010-05-08/"',
        "sts": ' xmlns="https://sts.amazonaws.com/doc/2011-06-15/"',
        "sqs": ' xmlns="http://queue.amazonaws.com/doc/2012-11-05/"',
        "sns": ' xmlns="http://sns.amazonaws.com/doc/2010-03-31/"',
    }.get(service, "")
    return (
        f"<ErrorResponse{ns}><Error><Type>{kind}</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>{request_id()}</RequestId></ErrorResponse>"
    )


def fault_answer(fault, service, protocol, request):
    """(status, [(header, value)], body bytes) of a throttle or error500."""
    throttle = fault == "throttle"
    rid = request_id()
    if protocol == "query":
        if service == "ec2":
            code, msg = (
                ("RequestLimitExceeded", "Request limit exceeded.")
                if throttle
                else ("InternalError", "An internal error has occurred")
            )
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{msg}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>"
            )
            return (503 if throttle else 500), [("Content-Type", "text/xml;charset=UTF-8")], body
        if throttle:
            code = "RequestThrottled" if service == "sqs" else "Throttling"
            body = xml_error_response(service, code, "Rate exceeded", "Sender")
            return 400, [("Content-Type", "text/xml")], body
        code = {"iam": "ServiceFailure", "sqs": "InternalError"}.get(service, "InternalFailure")
        body = xml_error_response(service, code, "An internal error occurred", "Receiver")
        return 500, [("Content-Type", "text/xml")], body

    if protocol == "json":
        content_type = header(request.headers, "content-type") or "application/x-amz-json-1.1"
        if service == "sqs":
            # SQS speaks awsJson1_0 with awsQueryCompatible: the SDKs take the code
            # from x-amzn-query-error ("<code>;<Sender|Receiver>").
            code, kind = ("RequestThrottled", "Sender") if throttle else ("InternalError", "Receiver")
            headers = [("Content-Type", content_type), ("x-amzn-query-error", f"{code};{kind}")]
            body = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": "Rate exceeded" if throttle else "Internal error"})
            return (400 if throttle else 500), headers, body
        if throttle:
            code, status, msg = "ThrottlingException", 400, "Rate exceeded"
        else:
            code = {
                "kms": "KMSInternalException",
                "events": "InternalException",
                "logs": "ServiceUnavailableException",
            }.get(service, "InternalFailure")
            status, msg = 500, "An internal error occurred"
        headers = [("Content-Type", content_type), ("x-amzn-ErrorType", code)]
        return status, headers, json.dumps({"__type": code, "message": msg})

    if service == "lambda":
        if throttle:
            code, status, body = "TooManyRequestsException", 429, {"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"}
        else:
            code, status, body = "ServiceException", 500, {"Type": "Service", "message": "An internal error occurred"}
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
        return status, headers, json.dumps(body)

    # S3 (and any other REST-XML call).
    code, msg, status = (
        ("SlowDown", "Please reduce your request rate.", 503)
        if throttle
        else ("InternalError", "We encountered an internal error. Please try again.", 500)
    )
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{msg}</Message>'
        f"<RequestId>{rid}</RequestId><HostId>faultproxy</HostId></Error>"
    )
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", rid)], body


def build_response(status, headers, body, head_only=False, close=False):
    if isinstance(body, str):
        body = body.encode("utf-8")
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
    names = {k.lower() for k, _ in headers}
    if "x-amzn-requestid" not in names:
        headers = headers + [("x-amzn-RequestId", request_id())]
    headers = headers + [
        ("Date", email.utils.formatdate(usegmt=True)),
        ("Content-Length", str(len(body))),
    ]
    if close:
        headers.append(("Connection", "close"))
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head_only else body)


# ---------------------------------------------------------------------------
# The server.


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.request.makefile("rb")
        self.conn = self.server.state.connection()

    def finish(self):
        try:
            self.rfile.close()
        except OSError:
            pass

    def handle(self):
        try:
            while True:
                got = read_head(self.rfile)
                if got is None:
                    return
                head, start, headers = got
                if (header(headers, "expect") or "").lower() == "100-continue":
                    # We read the whole body before deciding anything: ask for it now.
                    # (moto's own 100 Continue is swallowed in forward().)
                    self.request.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = read_body(self.rfile, headers)
                request = Request(head, start, headers, body)
                close = wants_close(request.version, headers)
                if request.path.startswith(CONTROL_PREFIX):
                    keep = self.control(request, close)
                else:
                    keep = self.proxy(request, close)
                if not keep:
                    return
        except (ClientGone, OSError):
            return

    def reset(self):
        """Closes the client connection at once with a RST (no FIN, not a byte of answer)."""
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The file object holds a reference to the socket: close both so that the
        # descriptor is closed now (socketserver's later shutdown() then finds it closed).
        try:
            self.rfile.close()
        except OSError:
            pass
        self.request.close()

    def proxy(self, request, close):
        """Handles one AWS request. Returns whether the connection stays open."""
        state = self.server.state
        entry, rule, protocol = state.admit(request, self.conn)
        if rule is not None and rule.delay > 0:
            time.sleep(rule.delay)
        fault = rule.fault if rule else None

        if fault == "reset_before":
            self.reset()
            return False

        if fault in ("throttle", "error500"):
            status, headers, body = fault_answer(fault, entry["service"], protocol, request)
            state.finish(entry, status)
            self.request.sendall(
                build_response(status, headers, body, head_only=request.method == "HEAD", close=close)
            )
            return not close

        try:
            response = forward(request, self.server.upstream_port)
        except (OSError, ClientGone, ValueError, IndexError) as e:
            # moto is gone or sent garbage: a 502 the client can see (and retry).
            state.finish(entry, 502)
            msg = f"faultproxy: upstream failed: {e}"
            self.request.sendall(build_response(502, [("Content-Type", "text/plain")], msg, close=True))
            return False
        state.finish(entry, response.status)

        if fault == "drop_response":
            self.reset()
            return False

        self.request.sendall(response.raw())
        return not close

    def control(self, request, close):
        state = self.server.state
        what = request.path[len(CONTROL_PREFIX) :].strip("/")
        status, doc = 200, None
        try:
            if what == "rules" and request.method == "POST":
                state.set_rules(json.loads(request.payload() or b"[]"))
                doc = {"ok": True, "rules": len(state.rules)}
            elif what == "rules" and request.method == "DELETE":
                state.set_rules([])
                doc = {"ok": True}
            elif what == "rules" and request.method == "GET":
                with state.lock:
                    doc = [r.describe() for r in state.rules]
            elif what == "log" and request.method == "GET":
                with state.lock:
                    doc = [dict(e) for e in state.log]
            elif what == "log" and request.method == "DELETE":
                with state.lock:
                    state.log = []
                doc = {"ok": True}
            else:
                status, doc = 404, {"error": f"no control endpoint {request.method} {request.path}"}
        except (ValueError, re.error) as e:
            status, doc = 400, {"error": str(e)}
        body = json.dumps(doc)
        self.request.sendall(
            build_response(status, [("Content-Type", "application/json")], body, close=close)
        )
        return not close


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port, upstream_port, seed):
        self.upstream_port = upstream_port
        self.state = State(seed)
        super().__init__(("127.0.0.1", port), Handler)

    def handle_error(self, request, client_address):
        # A connection that went wrong is that connection's problem only.
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin closes (the process that started us is gone)",
    )
    args = parser.parse_args(argv)
    server = Server(args.listen_port, args.upstream_port, args.seed)
    port = server.server_address[1]
    print(f"ready {port}", flush=True)
    if args.exit_on_stdin_eof:
        def watch():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except OSError:
                pass
            server.shutdown()

        threading.Thread(target=watch, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
