using Amazon.S3;

namespace EtlRouter.Connectors.Hosting;

/// <summary>
/// Where the S3 connectors read and write: --bucket and --prefix; an S3-compatible store (MinIO, s3rver) at
/// --endpoint or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, addressed path-style; credentials and region from the
/// usual AWS variables and profiles (--region overrides AWS_REGION).
/// </summary>
internal sealed class S3Connection : IDisposable
{
    public S3Connection(ConnectorSettings settings)
    {
        Bucket = settings.Text("bucket") ?? throw new ConnectorSettingsException("bucket: not set; give --bucket NAME");
        var prefix = settings.Text("prefix", string.Empty);
        Prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";

        // Checksums only where S3 requires them: S3-compatible stores often lack the newer trailing checksums.
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var endpoint = settings.Text("endpoint") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        if (!string.IsNullOrEmpty(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out _)) throw new ConnectorSettingsException($"endpoint: '{endpoint}' is not a URL; write e.g. http://127.0.0.1:9000");
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
        }

        if ((settings.Text("region") ?? Environment.GetEnvironmentVariable("AWS_REGION")) is { Length: > 0 } region) config.AuthenticationRegion = region;
        Client = new AmazonS3Client(config);
    }

    public AmazonS3Client Client { get; }

    public string Bucket { get; }

    /// <summary>Empty, or ending in '/'.</summary>
    public string Prefix { get; }

    public string Location => $"s3://{Bucket}/{Prefix}";

    public void Dispose() => Client.Dispose();
}
