using Amazon.S3;
using Amazon.S3.Model;

namespace EtlRouter.Tests.Support;

/// <summary>
/// The S3-compatible server the README's test command starts (ETL_TEST_S3_ENDPOINT, with AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY): each test gets its own bucket. Without it, tests that need it skip with the reason.
/// </summary>
public sealed class TestS3 : IDisposable
{
    private TestS3(string endpoint, string bucket)
    {
        Endpoint = endpoint;
        Bucket = bucket;
        Client = new AmazonS3Client(new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public string Endpoint { get; }

    public string Bucket { get; }

    public AmazonS3Client Client { get; }

    /// <summary>A fresh bucket on the test server.</summary>
    public static async Task<TestS3> CreateBucketAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("ETL_TEST_S3_ENDPOINT");
        if (string.IsNullOrEmpty(endpoint) || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")))
            throw Xunit.Sdk.SkipException.ForSkip("ETL_TEST_S3_ENDPOINT (with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) is not set: run the tests with `make test`, which starts s3rver, or point them at an S3-compatible store");
        var s3 = new TestS3(endpoint, $"etl-test-{Guid.NewGuid():N}"[..30]);
        await s3.Client.PutBucketAsync(s3.Bucket);
        return s3;
    }

    public Task PutAsync(string key, string content) =>
        Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = content, UseChunkEncoding = false });

    public async Task<string?> GetAsync(string key)
    {
        try
        {
            using var response = await Client.GetObjectAsync(Bucket, key);
            using var reader = new StreamReader(response.ResponseStream);
            return await reader.ReadToEndAsync();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (IOException)
        {
            // s3rver serves an object while it rewrites it; the next read gets it whole.
            return null;
        }
    }

    public async Task<List<string>> KeysAsync(string prefix)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
        ListObjectsV2Response response;
        do
        {
            response = await Client.ListObjectsV2Async(request);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return keys;
    }

    public void Dispose() => Client.Dispose();
}
