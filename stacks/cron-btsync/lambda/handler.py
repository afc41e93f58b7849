"""Starts or stops the sync server; EventBridge passes {"action": "start"|"stop"}."""

import os

import boto3

ec2 = boto3.client("ec2")


def handler(event, _context):
    action = event.get("action")
    instance_id = os.environ["INSTANCE_ID"]
    if action == "start":
        ec2.start_instances(InstanceIds=[instance_id])
    elif action == "stop":
        ec2.stop_instances(InstanceIds=[instance_id])
    else:
        raise ValueError(f"unknown action {action!r}; expected start or stop")
    return {"instance_id": instance_id, "action": action}
