"""The account this example presumes: images of its own named myami-NNN, which the
account may launch (explicitly, as `executable_users = ["self"]` asks), and one
that name_regex must leave out."""

import os

import boto3

ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
account = boto3.client(
    "sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"]
).get_caller_identity()["Account"]
have = {i["Name"] for i in ec2.describe_images(Owners=["self"])["Images"]}
instance = None
for name in ["myami-001", "myami-002", "myami-latest"]:
    if name in have:
        continue
    if instance is None:
        reservation = ec2.run_instances(ImageId="ami-03c3da4cfa8e8943a", MinCount=1, MaxCount=1)
        instance = reservation["Instances"][0]["InstanceId"]
    image = ec2.create_image(InstanceId=instance, Name=name)["ImageId"]
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"UserId": account}]})
