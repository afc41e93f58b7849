"""recon's benchmark: one table of what validate, check, plan and apply cost.

Run through scripts/bench (which builds recon --release and sets up moto); see
`scripts/bench --help`. Every AWS call goes through tests/moto/faultproxy.py in
front of a private moto on 127.0.0.1: its log counts the calls (per service and
operation) and, with --latency-ms, it adds a fixed delay to each one, as a
region's round trip would.

Stacks (generated, N resources each):
  mixed  units of 12 that reference each other: KMS key, VPC, subnet, security
         group + ingress rule, IAM role + inline policy, S3 bucket + versioning +
         encryption + public access block, SQS queue
  ec2    one VPC and subnet, then per 21: a security group, 10 instances and
         10 data volumes
  policy (validate and check only) units of 15 with what the baseline policies
         judge: KMS key, VPC, subnet, security group with rules, instance with an
         encrypted root volume, data volume and attachment, S3 bucket with access
         block, versioning and encryption, IAM role and policy

Steps per stack: validate and check (offline, at --offline-sizes; with --checkov,
Checkov on the same files), then at --sizes: apply from nothing, plan (refresh,
must find no change), apply of in-place changes (~7% of resources), destroy. Beside the
plan, the baseline: one read per resource from 10 threads (what a per-resource
refresh does at Terraform's default -parallelism=10; Terraform itself makes
several reads per resource). With --kill, an apply is killed (SIGKILL) half way
through, then a plan must load the state and an apply must converge with exactly
one AWS object per resource.
"""

import argparse
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AMI = "ami-03c3da4cfa8e8943a"  # one of the AMIs moto ships (al2023 x86_64)

MIXED_UNIT = '''
resource "aws_kms_key" "k{i}" {{
  description         = "unit {i}{rev}"
  enable_key_rotation = true
}}

resource "aws_vpc" "v{i}" {{
  cidr_block = "10.{a}.{b}.0/24"
  tags       = {{ Unit = "{i}" }}
}}

resource "aws_subnet" "s{i}" {{
  vpc_id     = aws_vpc.v{i}.id
  cidr_block = "10.{a}.{b}.0/26"
}}

resource "aws_security_group" "g{i}" {{
  name        = "unit-{i}"
  description = "unit {i}"
  vpc_id      = aws_vpc.v{i}.id
}}

resource "aws_vpc_security_group_ingress_rule" "h{i}" {{
  security_group_id = aws_security_group.g{i}.id
  description       = "HTTPS from the VPC{rev}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = aws_vpc.v{i}.cidr_block
}}

resource "aws_iam_role" "r{i}" {{
  name        = "unit-{i}"
  description = "unit {i}{rev}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}

resource "aws_iam_role_policy" "p{i}" {{
  name = "unit-{i}"
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "${{aws_s3_bucket.b{i}.arn}}/*" }},
      {{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = aws_sqs_queue.q{i}.arn }},
    ]
  }})
}}

resource "aws_s3_bucket" "b{i}" {{
  bucket = "bench-unit-{i}"
  tags   = {{ Unit = "{i}"{tag} }}
}}

resource "aws_s3_bucket_versioning" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.k{i}.arn
    }}
  }}
}}

resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_sqs_queue" "q{i}" {{
  name              = "bench-unit-{i}"
  kms_master_key_id = aws_kms_key.k{i}.arn
}}
'''

EC2_HEAD = '''
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "main" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.0.0/16"
  availability_zone = "us-east-1a"
}
'''

EC2_GROUP = '''
resource "aws_security_group" "g{g}" {{
  name        = "group-{g}"
  description = "group {g}{rev}"
  vpc_id      = aws_vpc.main.id
}}
'''

EC2_PAIR = '''
resource "aws_instance" "i{i}" {{
  ami                    = "{ami}"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.main.id
  vpc_security_group_ids = [aws_security_group.g{g}.id]
  tags                   = {{ Pair = "{i}"{tag} }}

  metadata_options {{
    http_tokens = "required"
  }}

  root_block_device {{
    encrypted = true
  }}
}}

resource "aws_ebs_volume" "d{i}" {{
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
  tags              = {{ Pair = "{i}" }}
}}
'''

# The `policy` stack (offline only): what the baseline policies look at, with
# cross-resource policies (bucket <-> access block, attachment -> volume) that
# match within hundreds of candidates.
POLICY_UNIT = '''
resource "aws_kms_key" "k{i}" {{
  description         = "unit {i}"
  enable_key_rotation = true
}}

resource "aws_vpc" "v{i}" {{
  cidr_block = "10.{a}.{b}.0/24"
  tags       = {{ Unit = "{i}" }}
}}

resource "aws_subnet" "s{i}" {{
  vpc_id     = aws_vpc.v{i}.id
  cidr_block = "10.{a}.{b}.0/26"
}}

resource "aws_security_group" "g{i}" {{
  name        = "unit-{i}"
  description = "unit {i}"
  vpc_id      = aws_vpc.v{i}.id

  ingress {{
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.v{i}.cidr_block]
  }}

  ingress {{
    description = "SSH from the office"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.0/24"]
  }}
}}

resource "aws_vpc_security_group_egress_rule" "e{i}" {{
  security_group_id = aws_security_group.g{i}.id
  description       = "HTTPS out"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}}

resource "aws_instance" "i{i}" {{
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.s{i}.id
  vpc_security_group_ids = [aws_security_group.g{i}.id]
  iam_instance_profile   = "unit-{i}"

  metadata_options {{
    http_tokens = "required"
  }}

  root_block_device {{
    encrypted  = true
    kms_key_id = aws_kms_key.k{i}.arn
  }}
}}

resource "aws_ebs_volume" "d{i}" {{
  availability_zone = "eu-west-1a"
  size              = 20
  encrypted         = true
  kms_key_id        = aws_kms_key.k{i}.arn
}}

resource "aws_volume_attachment" "a{i}" {{
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.d{i}.id
  instance_id = aws_instance.i{i}.id
}}

resource "aws_s3_bucket" "b{i}" {{
  bucket = "bench-unit-{i}"
}}

resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_versioning" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.k{i}.arn
    }}
  }}
}}

resource "aws_iam_role" "r{i}" {{
  name = "unit-{i}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}

resource "aws_iam_role_policy" "p{i}" {{
  name = "unit-{i}"
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${{aws_s3_bucket.b{i}.arn}}/*" }}]
  }})
}}
'''


def generate(kind, n, out, rev, per_file=50):
    """Writes the stack (per_file units per file); returns (resources, changes in rev 1)."""
    for f in os.listdir(out):
        if f.endswith(".tf"):
            os.remove(os.path.join(out, f))
    texts, count, changed = [], 0, 0
    if kind == "policy":
        per = POLICY_UNIT.count('\nresource "')
        for i in range(n // per):
            texts.append(POLICY_UNIT.format(i=i, a=(i // 256) % 256, b=i % 256))
            count += per
    elif kind == "mixed":
        per = MIXED_UNIT.count('\nresource "')
        for i in range(n // per):
            # rev 1 changes 3 resources of every 10th unit in place (~2.5%), and
            # the bucket tags of every other unit: ~6.7% of all resources.
            bump = rev and i % 10 == 0
            tag = rev and i % 2 == 0
            texts.append(MIXED_UNIT.format(i=i, a=(i // 256) % 256, b=i % 256,
                                           rev=" (rev 1)" if bump else "",
                                           tag=', Rev = "1"' if tag else ""))
            count += per
            changed += 3 * bump + tag
    else:
        texts.append(EC2_HEAD)
        count = 2
        g = -1
        i = 0
        while count + 2 <= n:
            if i % 10 == 0:
                g += 1
                texts.append(EC2_GROUP.format(g=g, rev=" (rev 1)" if rev and g % 2 == 0 else ""))
                count += 1
                changed += bool(rev and g % 2 == 0)
                if count + 2 > n:
                    break
            tag = rev and i % 10 == 0
            texts.append(EC2_PAIR.format(i=i, g=g, ami=AMI, tag=', Rev = "1"' if tag else ""))
            count += 2
            changed += tag
            i += 1
    for k in range(0, len(texts), per_file):
        with open(os.path.join(out, f"stack_{k // per_file:04d}.tf"), "w") as f:
            f.write("".join(texts[k:k + per_file]))
    return count, changed


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Aws:
    """A private moto with the fault proxy in front; the proxy's log counts calls."""

    def __init__(self, work, latency_ms):
        self.moto_port = free_port()
        env = dict(os.environ)
        self.moto = subprocess.Popen([os.path.join(REPO, "scripts/moto-server"), str(self.moto_port)],
                                     stdout=open(os.path.join(work, "moto.log"), "w"), stderr=subprocess.STDOUT, env=env)
        self._wait(f"http://127.0.0.1:{self.moto_port}/moto-api/", self.moto)
        self.proxy = subprocess.Popen([os.path.join(REPO, ".venv/bin/python"), os.path.join(REPO, "tests/moto/faultproxy.py"),
                                       "--listen-port", "0", "--upstream-port", str(self.moto_port)],
                                      stdout=subprocess.PIPE, stderr=open(os.path.join(work, "proxy.log"), "w"), text=True)
        line = self.proxy.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            sys.exit("bench: the fault proxy did not start")
        self.port = int(line[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"
        if latency_ms:
            self._control("POST", "rules", [{"operation": "*", "fault": "delay", "delay_seconds": latency_ms / 1000}])

    @staticmethod
    def _wait(url, proc):
        for _ in range(300):
            if proc.poll() is not None:
                sys.exit("bench: moto exited at start")
            try:
                urllib.request.urlopen(url, timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        sys.exit("bench: moto did not start")

    def _control(self, method, what, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.endpoint}/__fault__/{what}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
        return json.loads(text) if text else None

    def take_log(self):
        log = self._control("GET", "log")
        self._control("DELETE", "log")
        return log

    def env(self):
        return dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_REGION="us-east-1", AWS_ENDPOINT_URL=self.endpoint, AWS_EC2_METADATA_DISABLED="true")

    def close(self):
        for p in (self.proxy, self.moto):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def timed(cmd, cwd, env, out_path, stats_path=None):
    """Runs cmd under GNU time; returns (exit code, wall s, cpu s, max rss MiB)."""
    tpath = out_path + ".time"
    env = dict(env)
    if stats_path:
        env["RECON_STATS"] = stats_path
    with open(out_path, "w") as out:
        code = subprocess.call(["/usr/bin/time", "-v", "-o", tpath] + cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    t = {}
    for line in open(tpath):
        k, _, v = line.strip().rpartition(": ")
        t[k] = v
    wall = 0.0
    for part in t.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(t.get("User time (seconds)", 0)) + float(t.get("System time (seconds)", 0))
    rss = int(t.get("Maximum resident set size (kbytes)", 0)) / 1024
    return code, wall, cpu, rss


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.rows = []
        self.recon = args.recon

    def row(self, kind, n, op, wall, cpu, rss, calls=None, state_bytes=None, note=""):
        self.rows.append(dict(kind=kind, n=n, op=op, wall=wall, cpu=cpu, rss=rss, calls=calls,
                              state_bytes=state_bytes, note=note))
        print(f"  {kind} {n} {op}: {wall:.1f} s wall, {cpu:.2f} s CPU, {rss:.0f} MiB"
              + (f", {calls} calls" if calls is not None else "")
              + (f", {state_bytes} state bytes" if state_bytes is not None else ""), file=sys.stderr, flush=True)

    def step(self, aws, kind, n, stack, op, recon_args, expect, state_file=None):
        name = f"{kind}-{n}-{op.split()[0]}-{len(self.rows)}"
        stats = os.path.join(self.work, name + ".stats")
        env = aws.env() if aws else dict(os.environ)
        code, wall, cpu, rss = timed([self.recon] + recon_args + ["-C", stack], self.work, env,
                                     os.path.join(self.work, name + ".out"), stats)
        if code not in expect:
            sys.stdout.write(open(os.path.join(self.work, name + ".out")).read()[-4000:])
            sys.exit(f"bench: {op} ({' '.join(recon_args)}) exited {code}, expected {expect}")
        calls = len(aws.take_log()) if aws else None
        state_bytes = None
        if os.path.exists(stats):
            state_bytes = json.load(open(stats)).get("state_bytes_written") or None
        self.row(kind, n, op, wall, cpu, rss, calls, state_bytes)
        return os.path.join(self.work, name + ".out")

    def parallel(self):
        """--parallelism for apply and destroy (plan reads with its own concurrency)."""
        return ["--parallelism", str(self.args.parallelism)] if self.args.parallelism else []

    def offline(self, kind, n):
        stack = os.path.join(self.work, f"offline-{kind}-{n}")
        os.makedirs(stack, exist_ok=True)
        count, _ = generate(kind, n, stack, 0, self.args.units_per_file)
        self.step(None, kind, count, stack, "validate", ["validate"], (0,))
        # check exits 1 when a policy fails: the figures are what counts here.
        self.step(None, kind, count, stack, "check", ["check", "--format", "json"], (0, 1))
        if self.args.checkov:
            checkov = os.path.join(REPO, ".venv-checkov/bin/checkov")
            code, wall, cpu, rss = timed([checkov, "-d", stack, "--framework", "terraform", "--quiet", "-o", "json"],
                                         self.work, dict(os.environ), os.path.join(self.work, f"checkov-{kind}-{n}.out"))
            self.row(kind, count, "checkov -d (for comparison)", wall, cpu, rss)

    def online(self, kind, n):
        aws = Aws(self.work, self.args.latency_ms)
        try:
            stack = os.path.join(self.work, f"online-{kind}-{n}")
            os.makedirs(stack, exist_ok=True)
            count, _ = generate(kind, n, stack, 0)
            p = self.parallel()
            self.step(aws, kind, count, stack, "apply (create all)", ["apply", "--auto-approve"] + p, (0,))
            state_size = os.path.getsize(os.path.join(stack, "state", f"online-{kind}-{n}.json"))
            self.rows[-1]["note"] = f"final state {state_size:,} bytes"
            out = self.step(aws, kind, count, stack, "plan (refresh, no changes)", ["plan", "--detailed-exitcode"], (0,))
            self.baseline(aws, kind, count, stack)
            _, changed = generate(kind, n, stack, 1)
            self.step(aws, kind, count, stack, f"apply ({changed} in place)", ["apply", "--auto-approve"] + p, (0,))
            if self.args.kill:
                self.kill_and_converge(aws, kind, count, stack)
            self.step(aws, kind, count, stack, "destroy", self.destroy_args(stack) + p, (0,))
        finally:
            aws.close()

    def destroy_args(self, stack):
        """destroy, allowing the loss of each volume (the data-loss guard names them)."""
        out = subprocess.run([self.recon, "state", "list", "-C", stack], cwd=self.work, capture_output=True, text=True, check=True)
        allow = []
        for addr in out.stdout.split():
            if addr.startswith(("aws_instance.", "aws_ebs_volume.")):
                allow += ["--allow-data-loss", addr]
        return ["destroy", "--auto-approve"] + allow

    def state_objects(self, stack):
        """(type, id, attributes) of every object in the stack's local state."""
        out = subprocess.run([self.recon, "state", "pull", "-C", stack], cwd=self.work, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"bench: recon state pull failed:\n{out.stderr[-2000:]}")
        doc = json.loads(out.stdout)
        for r in doc.get("resources", []):
            attrs = r.get("attributes", {})
            yield r["type"], attrs.get("id"), attrs

    def baseline(self, aws, kind, n, stack):
        import boto3
        from botocore.config import Config
        cfg = Config(retries={"max_attempts": 10, "mode": "standard"}, max_pool_connections=10)
        kw = dict(endpoint_url=aws.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing", config=cfg)
        c = {s: boto3.client(s, **kw) for s in ("ec2", "iam", "kms", "s3", "sqs")}
        read = {
            "aws_kms_key": lambda id, a: c["kms"].describe_key(KeyId=id),
            "aws_vpc": lambda id, a: c["ec2"].describe_vpcs(VpcIds=[id]),
            "aws_subnet": lambda id, a: c["ec2"].describe_subnets(SubnetIds=[id]),
            "aws_security_group": lambda id, a: c["ec2"].describe_security_groups(GroupIds=[id]),
            "aws_vpc_security_group_ingress_rule": lambda id, a: c["ec2"].describe_security_group_rules(SecurityGroupRuleIds=[id]),
            "aws_instance": lambda id, a: c["ec2"].describe_instances(InstanceIds=[id]),
            "aws_ebs_volume": lambda id, a: c["ec2"].describe_volumes(VolumeIds=[id]),
            "aws_iam_role": lambda id, a: c["iam"].get_role(RoleName=a["name"]),
            "aws_iam_role_policy": lambda id, a: c["iam"].get_role_policy(RoleName=a["role"], PolicyName=a["name"]),
            "aws_s3_bucket": lambda id, a: c["s3"].head_bucket(Bucket=id),
            "aws_s3_bucket_versioning": lambda id, a: c["s3"].get_bucket_versioning(Bucket=a["bucket"]),
            "aws_s3_bucket_server_side_encryption_configuration": lambda id, a: c["s3"].get_bucket_encryption(Bucket=a["bucket"]),
            "aws_s3_bucket_public_access_block": lambda id, a: c["s3"].get_public_access_block(Bucket=a["bucket"]),
            "aws_sqs_queue": lambda id, a: c["sqs"].get_queue_attributes(QueueUrl=a.get("url") or id, AttributeNames=["All"]),
        }
        objects = list(self.state_objects(stack))
        missing = sorted({t for t, _, _ in objects if t not in read})
        if missing:
            sys.exit(f"bench: no baseline read for {missing}")
        aws.take_log()
        start = time.monotonic()
        cpu0 = time.process_time()
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda o: read[o[0]](o[1], o[2]), objects))
        wall, cpu = time.monotonic() - start, time.process_time() - cpu0
        calls = len(aws.take_log())
        self.row(kind, n, "baseline: 1 read per resource, 10 threads", wall, cpu, 0, calls,
                 note="boto3; CPU is the Python client's")

    def live_objects(self, aws, kind):
        """How many objects of each kind exist in moto (EC2 by recon's address tag)."""
        import boto3
        kw = dict(endpoint_url=aws.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        ec2 = boto3.client("ec2", **kw)
        tagged = [{"Name": "tag-key", "Values": ["recon:address"]}]

        def count(ty, objects):
            # Root volumes carry their instance's address: counted by the type it names.
            addrs = [t["Value"] for o in objects for t in o.get("Tags", []) if t["Key"] == "recon:address"]
            return sum(1 for a in addrs if a.startswith(ty + "."))

        pages = lambda op, key: [o for page in ec2.get_paginator(op).paginate(Filters=tagged) for o in page[key]]
        instances = [i for r in pages("describe_instances", "Reservations") for i in r["Instances"]
                     if i["State"]["Name"] not in ("terminated", "shutting-down")]
        live = {
            "aws_instance": count("aws_instance", instances),
            "aws_ebs_volume": count("aws_ebs_volume", pages("describe_volumes", "Volumes")),
            "aws_security_group": count("aws_security_group", pages("describe_security_groups", "SecurityGroups")),
            "aws_vpc": count("aws_vpc", pages("describe_vpcs", "Vpcs")),
        }
        if kind == "mixed":
            live["aws_s3_bucket"] = len(boto3.client("s3", **kw).list_buckets()["Buckets"])
            live["aws_sqs_queue"] = len(boto3.client("sqs", **kw).list_queues().get("QueueUrls", []))
            live["aws_iam_role"] = sum(1 for p in boto3.client("iam", **kw).get_paginator("list_roles").paginate()
                                       for r in p["Roles"] if r["RoleName"].startswith("unit-"))
            kms = boto3.client("kms", **kw)
            keys = [k["KeyId"] for p in kms.get_paginator("list_keys").paginate() for k in p["Keys"]]
            live["aws_kms_key"] = sum(1 for k in keys if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyState"] == "Enabled")
        return live

    def kill_and_converge(self, aws, kind, n, stack):
        """Destroy, then an apply killed half way, then plan and apply: no duplicates."""
        p = self.parallel()
        self.step(aws, kind, n, stack, "destroy (before the kill test)", self.destroy_args(stack) + p, (0,))
        # Killed half way: once half of its state writes (two per create) are in
        # the journal, or after half the time the first create took.
        _, wall_create = [(r["op"], r["wall"]) for r in self.rows if r["kind"] == kind and r["op"].startswith("apply (create")][-1]
        journal = os.path.join(stack, "state", os.path.basename(stack) + ".json.journal")
        proc = subprocess.Popen([self.recon, "apply", "--auto-approve", "-C", stack] + p, cwd=self.work, env=aws.env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        started = time.monotonic()
        while time.monotonic() - started < wall_create / 2:
            if proc.poll() is not None:
                sys.exit("bench: the apply ended before it could be killed")
            try:
                with open(journal, "rb") as f:
                    if f.read().count(b"\n") >= n:
                        break
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        aws.take_log()
        # The killed run's lock is left behind: break it as an operator would,
        # with the ID recon prints.
        locked = subprocess.run([self.recon, "plan", "-C", stack], cwd=self.work, env=aws.env(),
                                capture_output=True, text=True)
        ids = [l.split(":", 1)[1].strip() for l in locked.stderr.splitlines() if l.strip().startswith("Lock ID:")]
        if not ids:
            sys.exit(f"bench: expected the killed apply's lock, got:\n{locked.stderr[-2000:]}")
        subprocess.run([self.recon, "force-unlock", ids[0], "--force", "-C", stack], cwd=self.work, env=aws.env(),
                       check=True, capture_output=True)
        aws.take_log()
        self.step(aws, kind, n, stack, "plan after kill -9 half way", ["plan", "--detailed-exitcode"], (2,))
        self.step(aws, kind, n, stack, "apply after kill -9 (converge)", ["apply", "--auto-approve"] + p, (0,))
        self.step(aws, kind, n, stack, "plan after convergence", ["plan", "--detailed-exitcode"], (0,))
        want = {}
        for t, _, _ in self.state_objects(stack):
            want[t] = want.get(t, 0) + 1
        live = self.live_objects(aws, kind)
        aws.take_log()
        wrong = {t: (live[t], want.get(t, 0)) for t in live if live[t] != want.get(t, 0)}
        if wrong:
            sys.exit(f"bench: after kill -9 and apply, live objects differ from state (live, state): {wrong}")
        self.rows[-1]["note"] = "objects = resources: " + ", ".join(f"{t} {v}" for t, v in sorted(live.items()))

    def table(self):
        lat = f", {self.args.latency_ms} ms added per call" if self.args.latency_ms else ""
        par = self.args.parallelism or 10
        print(f"\nrecon {self.recon}; moto on 127.0.0.1 behind the proxy{lat}; parallelism {par}\n")
        print("| stack | resources | operation | wall | recon CPU | CPU / resource | max RSS | AWS calls | calls / resource | state bytes written | |")
        print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for r in self.rows:
            per = f"{r['cpu'] / r['n'] * 1000:.2f} ms" if r["n"] else ""
            calls = f"{r['calls']:,}" if r["calls"] is not None else ""
            cpr = f"{r['calls'] / r['n']:.2f}" if r["calls"] is not None and r["n"] else ""
            sb = f"{r['state_bytes']:,}" if r["state_bytes"] else ""
            rss = f"{r['rss']:.0f} MiB" if r["rss"] else ""
            print(f"| {r['kind']} | {r['n']:,} | {r['op']} | {r['wall']:.2f} s | {r['cpu']:.2f} s | {per} | {rss} | {calls} | {cpr} | {sb} | {r['note']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recon", required=True, help="the recon binary")
    ap.add_argument("--sizes", default="200,2000", help="stack sizes for plan/apply against moto (comma-separated)")
    ap.add_argument("--offline-sizes", default="2500,20000", help="stack sizes for validate/check only")
    ap.add_argument("--kinds", default="mixed,ec2,policy", help="stacks: mixed, ec2 (both also offline), policy (offline only)")
    ap.add_argument("--units-per-file", type=int, default=50, help="offline stacks: units per file (100000: one file)")
    ap.add_argument("--latency-ms", type=int, default=0, help="delay the proxy adds to every AWS call")
    ap.add_argument("--parallelism", type=int, default=0, help="recon's --parallelism (default: recon's own, 10)")
    ap.add_argument("--kill", action="store_true", help="also kill -9 an apply half way and check it converges")
    ap.add_argument("--checkov", action="store_true", help="also time Checkov on the offline stacks (scripts/setup-checkov)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s and int(s) > 0]
    offline = [int(s) for s in args.offline_sizes.split(",") if s and int(s) > 0]
    kinds = [k for k in args.kinds.split(",") if k]
    for k in kinds:
        if k not in ("mixed", "ec2", "policy"):
            sys.exit(f"bench: unknown stack kind {k!r} (mixed, ec2, policy)")
    work = tempfile.mkdtemp(prefix="recon-bench-")
    bench = Bench(args, work)
    try:
        for kind in kinds:
            for n in offline:
                bench.offline(kind, n)
            for n in sizes if kind != "policy" else []:
                bench.online(kind, n)
    finally:
        bench.table()
        if args.keep:
            print(f"\nwork directory kept: {work}", file=sys.stderr)
        else:
            subprocess.call(["rm", "-rf", work])


if __name__ == "__main__":
    main()
