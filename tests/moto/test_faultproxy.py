"""Self-test of faultproxy.py: moto and the proxy on free ports, boto3 through the proxy.

Run: .venv/bin/python tests/moto/test_faultproxy.py   (from the repository root; < 30 s)
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request
from pathlib import Path

import boto3
import botocore.retries.standard
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable

# botocore's list of throttling codes; aws-runtime's THROTTLING_ERRORS (the Rust SDK's
# retry classifier) is the same list.
THROTTLING = set(botocore.retries.standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES)

# Throttled retries back off for up to seconds; what the tests check is that they
# are retried at all, so the backoff is made short.
botocore.retries.standard.ExponentialBackoff.delay_amount = lambda self, context: 0.01

MOTO = None
PROXY = None
MOTO_PORT = None
PROXY_PORT = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def set_rules(rules):
    status, body = http(PROXY_PORT, "POST", "/__fault__/rules", rules)
    assert status == 200, body
    http(PROXY_PORT, "DELETE", "/__fault__/log")


def log():
    status, body = http(PROXY_PORT, "GET", "/__fault__/log")
    assert status == 200, body
    return json.loads(body)


def client(service, port=None, attempts=1, mode="standard"):
    config = Config(
        retries={"total_max_attempts": attempts, "mode": mode},
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=10,
    )
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{port or PROXY_PORT}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def setUpModule():
    global MOTO, PROXY, MOTO_PORT, PROXY_PORT
    MOTO_PORT = free_port()
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", MOTO_ENABLE_AMI_VALIDATION="true")
    MOTO = subprocess.Popen(
        [PYTHON, str(HERE / "server.py"), "-H", "127.0.0.1", "-p", str(MOTO_PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    PROXY = subprocess.Popen(
        [PYTHON, str(HERE / "faultproxy.py"), "--listen-port", "0", "--upstream-port", str(MOTO_PORT), "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = PROXY.stdout.readline().split()
    assert line[0] == "ready", line
    PROXY_PORT = int(line[1])
    deadline = time.time() + 30
    while True:
        try:
            if http(MOTO_PORT, "GET", "/moto-api/")[0] == 200:
                break
        except OSError:
            pass
        assert time.time() < deadline, "moto did not start"
        time.sleep(0.1)


def tearDownModule():
    for p in (PROXY, MOTO):
        if p is not None:
            p.kill()
            p.wait()


def tag_spec(value):
    return [{"ResourceType": "vpc", "Tags": [{"Key": "t", "Value": value}]}]


def vpcs_tagged(value):
    """VPCs with tag t=value, asked of moto directly (not through the proxy)."""
    ec2 = client("ec2", port=MOTO_PORT)
    return ec2.describe_vpcs(Filters=[{"Name": "tag:t", "Values": [value]}])["Vpcs"]


class FaultProxyTest(unittest.TestCase):
    def setUp(self):
        set_rules([])

    def test_pass_through(self):
        ec2 = client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        ids = [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]]
        self.assertEqual(ids, [vpc])
        client("kms").create_key(Description="k")
        client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        s3 = client("s3")
        s3.create_bucket(Bucket="bucket-one")
        big = os.urandom(2 * 1024 * 1024)  # large enough for Expect: 100-continue
        s3.put_object(Bucket="bucket-one", Key="dir/big", Body=big)
        self.assertEqual(s3.get_object(Bucket="bucket-one", Key="dir/big")["Body"].read(), big)
        s3.head_object(Bucket="bucket-one", Key="dir/big")
        client("lambda").list_functions()
        url = client("sqs").create_queue(QueueName="q")["QueueUrl"]
        self.assertIn(str(PROXY_PORT), url)  # moto answers with the Host the client sent
        client("events").put_rule(Name="rule", ScheduleExpression="rate(5 minutes)")
        client("sts").get_caller_identity()

        seen = {(e["service"], e["operation"]) for e in log()}
        for want in [
            ("ec2", "CreateVpc"),
            ("ec2", "DescribeVpcs"),
            ("kms", "CreateKey"),
            ("iam", "CreateRole"),
            ("s3", "PUT /bucket-one"),
            ("s3", "GET /bucket-one/dir/big"),
            ("s3", "HEAD /bucket-one/dir/big"),
            ("lambda", "GET /2015-03-31/functions"),
            ("sqs", "CreateQueue"),
            ("events", "PutRule"),
            ("sts", "GetCallerIdentity"),
        ]:
            self.assertIn(want, seen)
        self.assertTrue(all(e["fault"] is None and e["status"] < 300 for e in log()))

    def test_throttle_is_retried(self):
        set_rules([{"operation": "CreateVpc", "fault": "throttle", "times": 2}])
        ec2 = client("ec2", attempts=5)
        ec2.create_vpc(CidrBlock="10.2.0.0/16", TagSpecifications=tag_spec("throttled"))
        calls = [e for e in log() if e["operation"] == "CreateVpc"]
        self.assertEqual([e["fault"] for e in calls], ["throttle", "throttle", None])
        self.assertEqual([e["status"] for e in calls], [503, 503, 200])
        self.assertEqual(len(vpcs_tagged("throttled")), 1)

    def test_throttle_codes_per_service(self):
        set_rules([{"operation": "*", "fault": "throttle"}])
        calls = {
            "ec2": lambda: client("ec2").describe_vpcs(),
            "iam": lambda: client("iam").list_roles(),
            "sts": lambda: client("sts").get_caller_identity(),
            "kms": lambda: client("kms").list_keys(),
            "events": lambda: client("events").list_rules(),
            "sqs": lambda: client("sqs").list_queues(),
            "lambda": lambda: client("lambda").list_functions(),
            "s3": lambda: client("s3").list_objects_v2(Bucket="any-bucket"),
        }
        for service, call in calls.items():
            with self.subTest(service=service):
                with self.assertRaises(ClientError) as cm:
                    call()
                code = cm.exception.response["Error"]["Code"]
                self.assertIn(code, THROTTLING, f"{service}: {code}")
        self.assertEqual({e["service"] for e in log()}, set(calls))
        self.assertTrue(all(e["fault"] == "throttle" for e in log()))

    def test_error500(self):
        set_rules([{"operation": "DescribeVpcs", "service": "ec2", "fault": "error500", "times": 1}])
        with self.assertRaises(ClientError) as cm:
            client("ec2").describe_vpcs()
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InternalError")
        client("ec2").describe_vpcs()  # times=1: the next one passes
        self.assertEqual([e["status"] for e in log()], [500, 200])

    def test_drop_response_runs_the_call(self):
        set_rules([{"operation": "CreateVpc", "fault": "drop_response", "times": 1}])
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            client("ec2").create_vpc(CidrBlock="10.3.0.0/16", TagSpecifications=tag_spec("dropped"))
        self.assertEqual(len(vpcs_tagged("dropped")), 1)
        self.assertEqual([(e["fault"], e["status"]) for e in log()], [("drop_response", 200)])

    def test_reset_before_does_not_run_the_call(self):
        set_rules([{"operation": "CreateVpc", "fault": "reset_before", "times": 1}])
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            client("ec2").create_vpc(CidrBlock="10.4.0.0/16", TagSpecifications=tag_spec("reset"))
        self.assertEqual(vpcs_tagged("reset"), [])
        self.assertEqual([(e["fault"], e["status"]) for e in log()], [("reset_before", None)])

    def test_delay_after_and_match(self):
        set_rules(
            [
                {"match": "^GET /2015-03-31/functions/?$", "fault": "delay", "delay_seconds": 0.5},
                {"operation": "DescribeVpcs", "fault": "throttle", "after": 1, "times": 1},
            ]
        )
        start = time.time()
        client("lambda").list_functions()
        self.assertGreaterEqual(time.time() - start, 0.5)
        ec2 = client("ec2")
        ec2.describe_vpcs()
        with self.assertRaises(ClientError):
            ec2.describe_vpcs()
        ec2.describe_vpcs()
        self.assertEqual([e["fault"] for e in log()], ["delay", None, "throttle", None])

    def test_probability_is_seeded(self):
        def run():
            set_rules({"seed": 7, "rules": [{"operation": "DescribeVpcs", "fault": "error500", "probability": 0.5}]})
            for _ in range(12):
                try:
                    client("ec2").describe_vpcs()
                except ClientError:
                    pass
            return [e["fault"] for e in log()]

        first = run()
        self.assertEqual(first, run())
        self.assertIn("error500", first)
        self.assertIn(None, first)

    def test_bad_rules_are_refused(self):
        for bad in [{"fault": "throttle"}, [{"operation": "X", "fault": "nope"}], [{"match": "(", "fault": "throttle"}]]:
            status, _ = http(PROXY_PORT, "POST", "/__fault__/rules", bad)
            self.assertEqual(status, 400, bad)

    def test_concurrent_and_keep_alive(self):
        set_rules([{"operation": "DescribeVpcs", "fault": "throttle", "probability": 0.3}])
        errors = []

        def work():
            try:
                ec2 = client("ec2", attempts=20)
                for _ in range(8):
                    ec2.describe_vpcs()
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        passed = [e for e in log() if e["fault"] is None]
        self.assertEqual(len(passed), 12 * 8)

    def test_client_gone_mid_request(self):
        # Promise a body and hang up halfway, or say nothing at all.
        s = socket.create_connection(("127.0.0.1", PROXY_PORT))
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=Desc")
        s.close()
        socket.create_connection(("127.0.0.1", PROXY_PORT)).close()
        # Two requests on one connection, the second after a forwarded one.
        with socket.create_connection(("127.0.0.1", PROXY_PORT)) as s:
            f = s.makefile("rb")
            for path in ("/moto-api/", "/__fault__/log"):
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                status = f.readline()
                self.assertIn(b" 200 ", status)
                length = 0
                while True:
                    line = f.readline()
                    if line == b"\r\n":
                        break
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding":
                        self.fail("expected a length-delimited answer")
                f.read(length)
        client("ec2").describe_vpcs()

    def test_chunked_request_body(self):
        client("s3").create_bucket(Bucket="chunked-bucket")
        with socket.create_connection(("127.0.0.1", PROXY_PORT)) as s:
            s.sendall(
                b"PUT /chunked-bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            self.assertIn(b" 200 ", s.makefile("rb").readline())
        body = client("s3").get_object(Bucket="chunked-bucket", Key="key")["Body"].read()
        self.assertEqual(body, b"hello world")


if __name__ == "__main__":
    unittest.main(verbosity=2)
