using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using EtlRouter.Connectors.Hosting;

namespace EtlRouter.Cli.Backups;

/// <summary>
/// Backups in S3 (s3://bucket/prefix) through the AWS SDK, set up as the S3 connectors are (<see cref="S3Clients"/>):
/// credentials and region from the usual AWS variables and profiles; AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) for
/// S3-compatible stores such as MinIO.
/// </summary>
internal sealed class S3BackupStore : IBackupStore, IDisposable
{
    private readonly AmazonS3Client client;
    private readonly string bucket;
    private readonly string prefix;

    public S3BackupStore(Uri url, Func<string, string?> environment)
    {
        bucket = url.Host;
        prefix = url.AbsolutePath.Trim('/') is { Length: > 0 } p ? p + "/" : string.Empty;
        Location = $"s3://{bucket}/{prefix}";
        var endpoint = S3Clients.EndpointFromEnvironment(environment);
        var variable = environment("AWS_ENDPOINT_URL_S3") is { Length: > 0 } ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
        if (S3Clients.EndpointProblem(variable, endpoint) is { } problem) throw new CliException(problem, ExitCodes.Usage);
        client = S3Clients.Create(endpoint, environment("AWS_REGION"));
    }

    public string Location { get; }

    public async Task WriteAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        await Call(() => client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = prefix + name, InputStream = buffer, UseChunkEncoding = false }, cancellationToken));
    }

    public async Task<Stream?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetObjectAsync(bucket, prefix + name, cancellationToken);
            var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy, cancellationToken);
            copy.Position = 0;
            return copy;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception e)
        {
            throw new CliException($"{Location}: {e.Message}");
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response response;
        do
        {
            response = await Call(() => client.ListObjectsV2Async(request, cancellationToken));
            names.AddRange((response.S3Objects ?? []).Select(o => o.Key[prefix.Length..]));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return names;
    }

    public void Dispose() => client.Dispose();

    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e)
        {
            throw new CliException($"{Location}: {e.Message}");
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach S3 for {Location}: {e.Message}", ExitCodes.Unreachable);
        }
    }
}
