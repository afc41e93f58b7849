"""moto's server, with the Lambda configuration fields moto 5.2.5 does not keep.

AWS stores a function's DeadLetterConfig and changes TracingConfig and KMSKeyArn
on UpdateFunctionConfiguration; moto 5.2.5 drops the first and ignores the other
two on update. Without this, a function with a dead-letter queue re-plans with a
diff forever under moto, which real AWS never does. And ModifyInstanceAttribute
UserData: the SDKs base64-encode the blob on the wire and AWS stores what was
encoded; moto 5.2.5 decodes it and then insists the decoded bytes be base64 again
(boto3 with UserData={"Value": b"echo"} fails with InvalidUserData.Malformed).
And CreateSnapshot: AWS gives a snapshot of an encrypted volume the volume's KMS
key; moto 5.2.5 leaves KmsKeyId out. And CloudWatch Logs AssociateKmsKey and
DisassociateKmsKey, which moto 5.2.5 does not implement (AWS changes a log group's
key in place). And ModifyVpcEndpoint on a Gateway endpoint: AWS adds and removes
the service's prefix-list route in the route tables it gains and loses; moto 5.2.5
only changes the list, so a later DeleteVpcEndpoints fails on a route that was never
made. And CreateImage: AWS makes EBS-backed images only (root device type "ebs");
moto 5.2.5 says "standard". And instance CPU credits: moto 5.2.5 ignores
RunInstances' CreditSpecification, does not implement ModifyInstanceCreditSpecification
and always reports `standard`. Everything else is moto as shipped. Usage: python tests/moto/server.py -H 127.0.0.1 -p PORT
"""

import base64
import sys

import moto
import moto.ec2.responses.instances as ec2_instances
from moto.core.types import Base64EncodedString
from moto.ec2.models.amis import AmiBackend
from moto.ec2.models.elastic_block_store import EBSBackend
from moto.ec2.models.vpcs import VPCEndPoint
from moto.awslambda.models import LambdaFunction
from moto.logs.responses import LogsResponse
from moto.sqs.models import Queue
from moto.server import main

PINNED = "5.2.5"


def patch_lambda() -> None:
    init = LambdaFunction.__init__
    get_configuration = LambdaFunction.get_configuration
    update_configuration = LambdaFunction.update_configuration

    def __init__(self, account_id, spec, region, version=1):
        init(self, account_id, spec, region, version)
        self.dead_letter_target = (spec.get("DeadLetterConfig") or {}).get("TargetArn")

    def get_configuration_with_dlq(self, *args, **kwargs):
        config = get_configuration(self, *args, **kwargs)
        # AWS omits the field when no target is set.
        if getattr(self, "dead_letter_target", None):
            config["DeadLetterConfig"] = {"TargetArn": self.dead_letter_target}
        return config

    def update_configuration_too(self, config_updates):
        if "DeadLetterConfig" in config_updates:
            # An empty TargetArn removes the target, as in AWS.
            target = (config_updates["DeadLetterConfig"] or {}).get("TargetArn")
            self.dead_letter_target = target or None
        if "TracingConfig" in config_updates:
            self.tracing_config = config_updates["TracingConfig"]
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        return update_configuration(self, config_updates)

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration_with_dlq
    LambdaFunction.update_configuration = update_configuration_too


def patch_modify_user_data() -> None:
    parse_user_data = ec2_instances.parse_user_data

    def parse_like_aws(value):
        # Only ModifyInstanceAttribute's blob arrives as bytes, already decoded.
        if isinstance(value, bytes):
            return Base64EncodedString(base64.b64encode(value).decode("ascii"))
        return parse_user_data(value)

    ec2_instances.parse_user_data = parse_like_aws


def patch_snapshot_key() -> None:
    create_snapshot = EBSBackend.create_snapshot

    def create_snapshot_with_key(self, volume_id, *args, **kwargs):
        snapshot = create_snapshot(self, volume_id, *args, **kwargs)
        snapshot.kms_key_id = self.get_volume(volume_id).kms_key_id
        return snapshot

    EBSBackend.create_snapshot = create_snapshot_with_key


def patch_log_group_kms_key() -> None:
    def associate_kms_key(self):
        group = self.logs_backend._find_log_group(log_group_name=self._get_param("logGroupName"))
        group.kms_key_id = self._get_param("kmsKeyId")
        return ""

    def disassociate_kms_key(self):
        group = self.logs_backend._find_log_group(log_group_name=self._get_param("logGroupName"))
        group.kms_key_id = None
        return ""

    LogsResponse.associate_kms_key = associate_kms_key
    LogsResponse.disassociate_kms_key = disassociate_kms_key


def patch_vpc_endpoint_routes() -> None:
    modify = VPCEndPoint.modify

    def modify_with_routes(self, policy_doc, add_subnets, remove_subnets, add_route_tables, remove_route_tables, *rest):
        prefix_list = self.destination_prefix_list_id
        added = [t for t in add_route_tables or [] if t not in self.route_table_ids]
        removed = [t for t in remove_route_tables or [] if t in self.route_table_ids]
        modify(self, policy_doc, add_subnets, remove_subnets, add_route_tables, remove_route_tables, *rest)
        if prefix_list:
            for table in added:
                self.ec2_backend.create_route(table, None, gateway_id=self.id, destination_prefix_list_id=prefix_list)
            for table in removed:
                self.ec2_backend.delete_route(table, prefix_list)

    VPCEndPoint.modify = modify_with_routes


def patch_image_root_device() -> None:
    create_image = AmiBackend.create_image

    def create_ebs_image(self, *args, **kwargs):
        image = create_image(self, *args, **kwargs)
        image.root_device_type = "ebs"
        return image

    AmiBackend.create_image = create_ebs_image


def patch_credit_specification() -> None:
    run_instances = ec2_instances.InstanceResponse.run_instances

    def run_with_credits(self):
        result = run_instances(self)
        credits = self._get_param("CreditSpecification.CpuCredits")
        if credits:
            for instance in result.result.instances:
                instance.cpu_credits = credits
        return result

    def modify_credits(self):
        for spec in self._get_param("InstanceCreditSpecifications", []):
            self.ec2_backend.get_instance(spec["InstanceId"]).cpu_credits = spec["CpuCredits"]
        return ec2_instances.ActionResult({"SuccessfulInstanceCreditSpecifications": [], "UnsuccessfulInstanceCreditSpecifications": []})

    def describe_credits(self):
        instances = self.ec2_backend.describe_instance_credit_specifications(self._get_param("InstanceIds", []))
        specs = [{"InstanceId": i.id, "CpuCredits": getattr(i, "cpu_credits", "standard")} for i in instances]
        return ec2_instances.ActionResult({"InstanceCreditSpecifications": specs})

    ec2_instances.InstanceResponse.run_instances = run_with_credits
    ec2_instances.InstanceResponse.modify_instance_credit_specification = modify_credits
    ec2_instances.InstanceResponse.describe_instance_credit_specifications = describe_credits


def patch_redrive_allow_policy() -> None:
    attributes = Queue.attributes

    def attributes_with_allow_policy(self):
        result = attributes.fget(self)
        if getattr(self, "redrive_allow_policy", None):
            result["RedriveAllowPolicy"] = self.redrive_allow_policy
        return result

    Queue.attributes = property(attributes_with_allow_policy)


if __name__ == "__main__":
    if moto.__version__ != PINNED:
        sys.exit(f"tests/moto/server.py patches moto {PINNED}, found {moto.__version__}: run scripts/setup-moto")
    patch_lambda()
    patch_modify_user_data()
    patch_snapshot_key()
    patch_log_group_kms_key()
    patch_vpc_endpoint_routes()
    patch_image_root_device()
    patch_redrive_allow_policy()
    patch_credit_specification()
    sys.exit(main(sys.argv[1:]))
