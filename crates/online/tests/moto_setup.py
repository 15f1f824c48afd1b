"""Prepares a running moto server for the authdoctor-online tests (botocore, loopback only).

Usage: moto_setup.py ENDPOINT_URL [--enable-auth]

Creates, through moto's own AWS APIs:
  - instance "optional": HttpTokens=optional, hop limit 1, endpoint enabled
  - instance "required": HttpTokens=required, hop limit 2, endpoint disabled, IPv6 enabled, tags enabled
  - instance "legacy": HttpTokens=optional, hop limit 2, endpoint enabled
  - instance "good": HttpTokens=required, hop limit 2, endpoint enabled
  - IAM user "doctor" with an access key and an inline policy allowing ec2:DescribeInstances
  - IAM user "nobody" with an access key and no policy
then, with --enable-auth, switches on moto's IAM authentication (every later request
must carry a known access key, a valid signature and an allowing policy).

Prints one JSON object with the instance ids and the keys on stdout. The keys are moto's
own, valid only inside this throwaway emulator.
"""

import json
import sys
import urllib.request

import botocore.session


def main() -> None:
    endpoint = sys.argv[1]
    if not endpoint.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:")):
        sys.exit("moto_setup.py: only loopback endpoints")
    session = botocore.session.get_session()
    common = dict(
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    ec2 = session.create_client("ec2", **common)
    iam = session.create_client("iam", **common)

    image = ec2.describe_images()["Images"][0]["ImageId"]

    def run(options: dict) -> str:
        answer = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", MetadataOptions=options
        )
        return answer["Instances"][0]["InstanceId"]

    optional = run({"HttpTokens": "optional", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"})
    required = run(
        {
            "HttpTokens": "required",
            "HttpPutResponseHopLimit": 2,
            "HttpEndpoint": "disabled",
            "HttpProtocolIpv6": "enabled",
            "InstanceMetadataTags": "enabled",
        }
    )
    legacy = run({"HttpTokens": "optional", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled"})
    good = run({"HttpTokens": "required", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled"})

    def user(name: str, policy: dict | None) -> dict:
        iam.create_user(UserName=name)
        if policy is not None:
            iam.put_user_policy(UserName=name, PolicyName="allow", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}

    doctor = user(
        "doctor",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}],
        },
    )
    nobody = user("nobody", None)

    if "--enable-auth" in sys.argv[2:]:
        request = urllib.request.Request(
            endpoint + "/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        # No proxy, whatever the environment says: the emulator is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as answer:
            answer.read()

    print(
        json.dumps(
            {
                "optional": optional,
                "required": required,
                "legacy": legacy,
                "good": good,
                "doctor": doctor,
                "nobody": nobody,
            }
        )
    )


if __name__ == "__main__":
    main()
