"""A minimal botocore application, as a user would write it: the default session (default
credential chain, ending with the instance metadata service), one call, no error handling,
so a failure ends in Python's traceback.

    python app.py sts|ec2|ec2-stop|s3 [--debug]

--debug turns on botocore's own debug logging to stderr (session.set_stream_logger).
"""

import logging
import sys

import botocore.session

INSTANCE_ID = "i-0a1b2c3d4e5f60718"


def main():
    operation = sys.argv[1]
    session = botocore.session.get_session()
    if "--debug" in sys.argv:
        session.set_stream_logger("botocore", logging.DEBUG)
    if operation == "sts":
        print(session.create_client("sts").get_caller_identity()["Arn"])
    elif operation == "ec2":
        reservations = session.create_client("ec2").describe_instances()["Reservations"]
        print(len(reservations), "reservations")
    elif operation == "ec2-stop":
        session.create_client("ec2").stop_instances(InstanceIds=[INSTANCE_ID])
        print("stopping", INSTANCE_ID)
    elif operation == "s3":
        for bucket in session.create_client("s3").list_buckets()["Buckets"]:
            print(bucket["Name"])


main()
