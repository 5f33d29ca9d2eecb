using Amazon.S3;

namespace EtlRouter.Connectors.Hosting;

/// <summary>
/// Where the S3 connectors read and write: --bucket and --prefix; a store at --endpoint or AWS_ENDPOINT_URL_S3 /
/// AWS_ENDPOINT_URL (<see cref="S3Clients"/>); credentials and region from the usual AWS variables and profiles
/// (--region overrides AWS_REGION).
/// </summary>
internal sealed class S3Connection : IDisposable
{
    public S3Connection(ConnectorSettings settings)
    {
        Bucket = settings.Text("bucket") ?? throw new ConnectorSettingsException("bucket: not set; give --bucket NAME");
        var prefix = settings.Text("prefix", string.Empty);
        Prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";

        var endpoint = settings.Text("endpoint") is { Length: > 0 } given ? given : S3Clients.EndpointFromEnvironment(Environment.GetEnvironmentVariable);
        if (S3Clients.EndpointProblem("endpoint", endpoint) is { } problem) throw new ConnectorSettingsException(problem);
        Client = S3Clients.Create(endpoint, settings.Text("region") ?? Environment.GetEnvironmentVariable("AWS_REGION"));
    }

    public AmazonS3Client Client { get; }

    public string Bucket { get; }

    /// <summary>Empty, or ending in '/'.</summary>
    public string Prefix { get; }

    public string Location => $"s3://{Bucket}/{Prefix}";

    public void Dispose() => Client.Dispose();
}
