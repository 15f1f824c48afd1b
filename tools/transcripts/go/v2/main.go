// A minimal AWS SDK for Go v2 application, as a user would write it: LoadDefaultConfig
// (the default credential chain, ending with the instance metadata service), one call, and
// the error handed to log.Fatal.
//
//	app sts|ec2|ec2-stop|s3 [--debug]
//
// --debug sets ClientLogMode (retries, requests and responses with bodies, signing) with the
// SDK's standard logger on stderr.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

const instanceID = "i-0a1b2c3d4e5f60718"

func main() {
	ctx := context.Background()
	operation := os.Args[1]
	var options []func(*config.LoadOptions) error
	if len(os.Args) > 2 && os.Args[2] == "--debug" {
		options = append(options,
			config.WithLogger(logging.NewStandardLogger(os.Stderr)),
			config.WithClientLogMode(aws.LogRetries|aws.LogRequestWithBody|aws.LogResponseWithBody|aws.LogSigning))
	}
	cfg, err := config.LoadDefaultConfig(ctx, options...)
	if err != nil {
		log.Fatal(err)
	}
	// This SDK release predates AWS_ENDPOINT_URL: the API endpoint is applied per client
	// (never to the metadata client, which reads AWS_EC2_METADATA_SERVICE_ENDPOINT).
	endpoint := os.Getenv("AWS_ENDPOINT_URL")
	switch operation {
	case "sts":
		client := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if endpoint != "" {
				o.EndpointResolver = sts.EndpointResolverFromURL(endpoint)
			}
		})
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(aws.ToString(out.Arn))
	case "ec2", "ec2-stop":
		client := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
			if endpoint != "" {
				o.EndpointResolver = ec2.EndpointResolverFromURL(endpoint)
			}
		})
		if operation == "ec2" {
			out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println(len(out.Reservations), "reservations")
		} else {
			_, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{instanceID}})
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("stopping", instanceID)
		}
	case "s3":
		client := s3.NewFromConfig(cfg, func(o *s3.Options) {
			if endpoint != "" {
				o.EndpointResolver = s3.EndpointResolverFromURL(endpoint)
				o.UsePathStyle = true
			}
		})
		out, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			log.Fatal(err)
		}
		for _, bucket := range out.Buckets {
			fmt.Println(aws.ToString(bucket.Name))
		}
	}
}
