using Amazon.S3;

namespace EtlRouter.Connectors.Hosting;

/// <summary>
/// The one S3 client setup, for the S3 connectors and for etlctl's S3 backups (Cli/Cli.csproj compiles this file
/// too, so both speak to a store the same way): an S3-compatible store (MinIO, s3rver) at an endpoint URL, addressed
/// path-style; checksums only where S3 requires them, since such stores often lack the newer trailing checksums;
/// credentials from the usual AWS variables and profiles.
/// </summary>
internal static class S3Clients
{
    /// <summary>The endpoint the AWS variables name (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL), or null.</summary>
    public static string? EndpointFromEnvironment(Func<string, string?> environment) =>
        environment("AWS_ENDPOINT_URL_S3") is { Length: > 0 } s3 ? s3 : environment("AWS_ENDPOINT_URL") is { Length: > 0 } any ? any : null;

    /// <summary>Why <paramref name="endpoint"/> cannot be used (named after <paramref name="setting"/>), or null.</summary>
    public static string? EndpointProblem(string setting, string? endpoint) =>
        endpoint is null || (Uri.TryCreate(endpoint, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0)
            ? null
            : $"{setting}: '{endpoint}' is not an http(s) URL; write e.g. http://127.0.0.1:9000";

    /// <summary>A client for <paramref name="endpoint"/> (null: AWS itself) in <paramref name="region"/>; check the endpoint first.</summary>
    public static AmazonS3Client Create(string? endpoint, string? region)
    {
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
        }

        if (region is { Length: > 0 }) config.AuthenticationRegion = region;
        return new AmazonS3Client(config);
    }
}
