// A minimal AWS SDK for JavaScript v2 application, as a user would write it: the global
// config's default credential chain (ending with the instance metadata service), one call,
// and the error printed with console.error, as most scripts do.
//
//   node app.js sts|ec2|ec2-stop|s3 [--debug]
//
// --debug sets `AWS.config.logger = console`, the SDK's documented way to see its logs.
const AWS = require("aws-sdk");

const INSTANCE_ID = "i-0a1b2c3d4e5f60718";
const operation = process.argv[2];
if (process.argv.includes("--debug")) AWS.config.logger = console;
// This SDK predates AWS_ENDPOINT_URL: the API endpoint is applied per client (never to the
// metadata service, which reads AWS_EC2_METADATA_SERVICE_ENDPOINT).
const api = process.env.AWS_ENDPOINT_URL
  ? { endpoint: process.env.AWS_ENDPOINT_URL, s3ForcePathStyle: true }
  : {};

async function main() {
  if (operation === "sts") {
    const out = await new AWS.STS(api).getCallerIdentity({}).promise();
    console.log(out.Arn);
  } else if (operation === "ec2") {
    const out = await new AWS.EC2(api).describeInstances({}).promise();
    console.log(`${out.Reservations.length} reservations`);
  } else if (operation === "ec2-stop") {
    await new AWS.EC2(api).stopInstances({ InstanceIds: [INSTANCE_ID] }).promise();
    console.log(`stopping ${INSTANCE_ID}`);
  } else if (operation === "s3") {
    const out = await new AWS.S3(api).listBuckets({}).promise();
    for (const bucket of out.Buckets ?? []) console.log(bucket.Name);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
