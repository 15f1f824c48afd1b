// A minimal AWS SDK for JavaScript v3 application, as a user would write it: the client's
// default credential chain (ending with the instance metadata service), one call, and the
// error printed with console.error, as most scripts do.
//
//   node app.mjs sts|ec2|ec2-stop|s3 [--debug]
//
// --debug passes `logger: console` to the client, the SDK's documented way to see its logs.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { EC2Client, DescribeInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { S3Client, ListBucketsCommand } from "@aws-sdk/client-s3";

const INSTANCE_ID = "i-0a1b2c3d4e5f60718";
const operation = process.argv[2];
const config = process.argv.includes("--debug") ? { logger: console } : {};

async function main() {
  if (operation === "sts") {
    const out = await new STSClient(config).send(new GetCallerIdentityCommand({}));
    console.log(out.Arn);
  } else if (operation === "ec2") {
    const out = await new EC2Client(config).send(new DescribeInstancesCommand({}));
    console.log(`${out.Reservations.length} reservations`);
  } else if (operation === "ec2-stop") {
    await new EC2Client(config).send(new StopInstancesCommand({ InstanceIds: [INSTANCE_ID] }));
    console.log(`stopping ${INSTANCE_ID}`);
  } else if (operation === "s3") {
    const out = await new S3Client(config).send(new ListBucketsCommand({}));
    for (const bucket of out.Buckets ?? []) console.log(bucket.Name);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
