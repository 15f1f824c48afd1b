// A minimal AWS SDK for Go (v1) application, as a user would write it: a session with the
// default credential chain (ending with the instance metadata service), one call, and the
// error handed to log.Fatal.
//
//	app sts|ec2|ec2-stop|s3 [--debug]
//
// --debug sets the SDK's LogDebugWithHTTPBody log level (to stderr).
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/ec2"
	"github.com/aws/aws-sdk-go/service/s3"
	"github.com/aws/aws-sdk-go/service/sts"
)

const instanceID = "i-0a1b2c3d4e5f60718"

func main() {
	operation := os.Args[1]
	cfg := aws.NewConfig()
	if len(os.Args) > 2 && os.Args[2] == "--debug" {
		cfg = cfg.WithLogLevel(aws.LogDebugWithHTTPBody)
	}
	sess := session.Must(session.NewSessionWithOptions(session.Options{
		Config:            *cfg,
		SharedConfigState: session.SharedConfigEnable,
	}))
	// This SDK release predates AWS_ENDPOINT_URL: the API endpoint is applied per client
	// (never to the metadata client, which reads AWS_EC2_METADATA_SERVICE_ENDPOINT).
	api := aws.NewConfig()
	if endpoint := os.Getenv("AWS_ENDPOINT_URL"); endpoint != "" {
		api = api.WithEndpoint(endpoint).WithS3ForcePathStyle(true)
	}
	switch operation {
	case "sts":
		out, err := sts.New(sess, api).GetCallerIdentity(&sts.GetCallerIdentityInput{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(aws.StringValue(out.Arn))
	case "ec2":
		out, err := ec2.New(sess, api).DescribeInstances(&ec2.DescribeInstancesInput{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(out.Reservations), "reservations")
	case "ec2-stop":
		_, err := ec2.New(sess, api).StopInstances(&ec2.StopInstancesInput{
			InstanceIds: []*string{aws.String(instanceID)},
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("stopping", instanceID)
	case "s3":
		out, err := s3.New(sess, api).ListBuckets(&s3.ListBucketsInput{})
		if err != nil {
			log.Fatal(err)
		}
		for _, bucket := range out.Buckets {
			fmt.Println(aws.StringValue(bucket.Name))
		}
	}
}
