# A minimal AWS SDK for Ruby (v3) application, as a user would write it: a client with the
# default credential chain (ending with the instance metadata service), one call, and no
# error handling (Ruby prints the exception and its backtrace).
#
#   ruby app.rb sts|s3 [--debug]
#
# --debug gives the client a Logger on stderr at debug level with `http_wire_trace`, the
# SDK's documented way to see its requests.
require 'aws-sdk-core'
require 'logger'

operation = ARGV[0]
options = {}
if ARGV.include?('--debug')
  options[:logger] = Logger.new($stderr)
  options[:log_level] = :debug
  options[:http_wire_trace] = true
end
# This SDK release predates AWS_ENDPOINT_URL: the API endpoint is applied per client (never
# to the metadata client, which reads AWS_EC2_METADATA_SERVICE_ENDPOINT).
if ENV['AWS_ENDPOINT_URL']
  options[:endpoint] = ENV['AWS_ENDPOINT_URL']
  options[:force_path_style] = true if operation == 's3'
end

case operation
when 'sts'
  puts Aws::STS::Client.new(options).get_caller_identity.arn
when 's3'
  require 'aws-sdk-s3'
  Aws::S3::Client.new(options).list_buckets.buckets.each { |bucket| puts bucket.name }
else
  abort "unknown operation #{operation}"
end
