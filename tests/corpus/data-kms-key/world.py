"""The account this example presumes: a key with the alias it looks up. (Its second
lookup names a key id moto cannot make, so that one fails, as it would in an account
without that key.)"""

import os

import boto3

kms = boto3.client("kms", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
if "alias/my-key" not in aliases:
    key = kms.create_key(Description="the example's key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/my-key", TargetKeyId=key)
