using EtlRouter.Entities.Manifests;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Entities;

public sealed class ManifestValidationTests
{
    public static TheoryData<string> Samples() =>
        new(Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "config", "samples"), "etl_v1_*.yaml").Select(Path.GetFileName)!);

    public static TheoryData<string> Broken() =>
        new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData", "broken"), "*.yaml").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_sample_is_valid(string file)
    {
        var documents = ManifestReader.Read(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config", "samples", file)), file);
        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.True(d.IsValid, $"{d.Location}: {string.Join("; ", d.Issues)}"));
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void Every_broken_manifest_is_refused_with_a_message_naming_the_field(string file)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "broken", file));
        var expectedPath = BrokenManifest.Header(text, "expect-path");
        var expected = BrokenManifest.Header(text, "expect");

        var document = Assert.Single(ManifestReader.Read(text, file));

        Assert.False(document.IsValid);
        Assert.Contains(document.Issues, i => i.Path == expectedPath && i.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void There_are_at_least_fifteen_broken_manifests() =>
        Assert.True(Broken().Count >= 15);

    [Fact]
    public void Short_kinds_read_as_the_full_kinds()
    {
        const string yaml = """
            apiVersion: etl.router/v1
            kind: Pipeline
            metadata: {name: short}
            spec: {source: a, sink: b}
            ---
            apiVersion: etl.router/v1
            kind: Sink
            metadata: {name: b}
            """;
        var documents = ManifestReader.Read(yaml, "short.yaml");
        Assert.Equal(["EtlPipeline", "EtlSink"], documents.Select(d => d.Kind));
        Assert.All(documents, d => Assert.True(d.IsValid, string.Join("; ", d.Issues)));
        Assert.Equal(2, documents[1].Index);
    }

    [Fact]
    public void Several_issues_in_one_document_are_all_reported()
    {
        const string yaml = """
            apiVersion: etl.router/v1
            kind: EtlPipeline
            metadata: {name: Bad_Name}
            spec:
              source: a
              sink: b
              dlq: {maxRetries: 500, retention: sometime}
            """;
        var issues = Assert.Single(ManifestReader.Read(yaml, "x.yaml")).Issues.Select(i => i.Path).ToList();
        Assert.Contains("metadata.name", issues);
        Assert.Contains("spec.dlq.maxRetries", issues);
        Assert.Contains("spec.dlq.retention", issues);
    }
}
