using System.Diagnostics;
using System.Text;
using EtlRouter.Entities.Manifests;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Cli;

/// <summary>
/// Manifests a CI job may be handed by a stranger: each is refused by the one bounded reader with one line naming
/// the file, document, line and limit (exit code 1, no stack trace), by the real etlctl process under a 48 MiB
/// heap limit, so a reader that expanded or recursed without bound would fail here instead of eating the machine.
/// </summary>
public sealed class HostileManifestTests : IDisposable
{
    private const string HeapLimit = "0x3000000";
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("etlctl-hostile-");

    public static TheoryData<string> Hostile => ["alias-bomb", "deep-flow", "deep-block", "huge-scalar", "huge-file", "many-documents", "binary"];

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Every_hostile_manifest_is_refused_in_one_line_within_a_bounded_heap(string kind)
    {
        var (file, expected) = Write(kind);
        var clock = Stopwatch.StartNew();
        var run = await ProcessRun.RunAsync("dotnet", [ChildProcess.Built("Cli", "etlctl"), "validate", "-f", file], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = HeapLimit, ["HOME"] = directory.FullName });
        TestContext.Current.SendDiagnosticMessage($"{kind}: exit {run.ExitCode} after {clock.ElapsedMilliseconds} ms (process start included): {run.Errors.Trim()}");

        Assert.True(run.ExitCode == 1, run.ToString());
        var lines = run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, run.ToString());
        Assert.StartsWith($"error: {file}", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Errors, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Apply_graph_and_delete_read_manifests_through_the_same_bounded_reader()
    {
        var (bomb, expected) = Write("alias-bomb");
        foreach (var command in new[] { new[] { "apply", "-f", bomb }, ["graph", "-f", bomb], ["delete", "-f", bomb] })
        {
            var (exit, output, error) = await EtlCtlRunner.Offline().RunAsync(command);
            Assert.True(exit == 1, $"{string.Join(' ', command)}: {output}{error}");
            Assert.StartsWith($"error: {bomb}, document 1 (line {BombLine}): {expected}", error.Trim().Split('\n').Single(), StringComparison.Ordinal);
        }

        var (stdin, _, stdinError) = await EtlCtlRunner.Offline().RunWithInputAsync(await File.ReadAllTextAsync(bomb, TestContext.Current.CancellationToken), "validate", "-f", "-");
        Assert.Equal(1, stdin);
        Assert.StartsWith("error: -, document 1", stdinError, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinary_anchors_and_aliases_still_read_as_the_values_they_name()
    {
        const string yaml = """
            apiVersion: etl.router/v1
            kind: EtlPipeline
            metadata:
              name: anchored
              labels: &labels {team: data, tier: gold}
              annotations: *labels
            spec:
              source: &name events
              steps: [enrich]
              sink: warehouse
              dlq: &dlq {enabled: true, maxRetries: 3}
            ---
            apiVersion: etl.router/v1
            kind: EtlSource
            metadata: {name: events, labels: {team: data}}
            """;
        var documents = ManifestReader.Read(yaml, "anchored.yaml");
        Assert.All(documents, d => Assert.True(d.IsValid, string.Join("; ", d.Issues)));
        var pipeline = documents[0].Json!;
        Assert.Equal("data", pipeline["metadata"]!["annotations"]!["team"]!.GetValue<string>());
        Assert.Equal("events", pipeline["spec"]!["source"]!.GetValue<string>());
        Assert.Equal(3, pipeline["spec"]!["dlq"]!["maxRetries"]!.GetValue<long>());

        // Each alias is its own copy: the document is a tree, as JSON must be.
        pipeline["metadata"]!["labels"]!["team"] = "changed";
        Assert.Equal("data", pipeline["metadata"]!["annotations"]!["team"]!.GetValue<string>());
    }

    [Fact]
    public void Structural_errors_name_their_line_and_leave_the_other_documents_readable()
    {
        const string yaml = """
            apiVersion: etl.router/v1
            kind: EtlSource
            metadata: {name: a}
            metadata: {name: b}
            ---
            apiVersion: etl.router/v1
            kind: EtlSink
            metadata: {name: c}
            ---
            apiVersion: etl.router/v1
            kind: EtlSink
            metadata: {name: *nothing}
            """;
        var documents = ManifestReader.Read(yaml, "mixed.yaml");
        Assert.Equal(3, documents.Count);
        Assert.Equal("line 4: duplicate key 'metadata'", Assert.Single(documents[0].Issues).Message);
        Assert.True(documents[1].IsValid, string.Join("; ", documents[1].Issues));
        Assert.Equal("line 12: alias *nothing names no anchor before it", Assert.Single(documents[2].Issues).Message);
    }

    public void Dispose() => directory.Delete(recursive: true);

    /// <summary>The bomb's level 4 (five aliases of level 3, 11,111 nodes each) is where the budget runs out.</summary>
    private const int BombLine = 10;

    /// <summary>Writes one hostile manifest; returns its path and the words the refusal must contain.</summary>
    private (string File, string Expected) Write(string kind)
    {
        var path = Path.Combine(directory.FullName, kind + ".yaml");
        var limits = ManifestLimits.Default;
        switch (kind)
        {
            case "alias-bomb":
                // Billion laughs: nine levels, each repeating the one before ten times (10^9 leaves once expanded).
                var bomb = new StringBuilder("apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata:\n  name: laughs\n  labels:\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
                for (var level = 1; level <= 9; level++)
                    bomb.Append($"    l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
                bomb.Append("spec: {source: a, sink: b}\n");
                File.WriteAllText(path, bomb.ToString());
                return (path, $"YAML aliases expand to more than {limits.MaxAliasNodes} nodes");
            case "deep-flow":
                File.WriteAllText(path, $"apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {{name: deep}}\nspec:\n  options: {new string('[', 100_000)}{new string(']', 100_000)}\n");
                return (path, $"nesting deeper than {limits.MaxDepth} levels");
            case "deep-block":
                var block = new StringBuilder("apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {name: deep}\nspec:\n");
                for (var level = 1; level <= 200; level++) block.Append(new string(' ', level * 2)).Append("k:\n");
                File.WriteAllText(path, block.ToString());
                return (path, $"nesting deeper than {limits.MaxDepth} levels");
            case "huge-scalar":
                File.WriteAllText(path, $"apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {{name: huge}}\nspec:\n  source: \"{new string('x', limits.MaxDocumentCharacters + 10)}\"\n");
                return (path, $"the document is larger than {limits.MaxDocumentCharacters} characters");
            case "huge-file":
                using (var file = File.Create(path)) file.SetLength(limits.MaxFileBytes * 8);
                return (path, $"is over the manifest reader's limit of {limits.MaxFileBytes} bytes a file");
            case "many-documents":
                File.WriteAllText(path, string.Concat(Enumerable.Repeat("---\n{a: 1}\n", limits.MaxDocuments + 1)));
                return (path, $"more than {limits.MaxDocuments} documents in one file");
            default:
                var bytes = new byte[4096];
                new Random(7).NextBytes(bytes);
                bytes[10] = 0;
                File.WriteAllBytes(path, bytes);
                return (path, "is not UTF-8 text");
        }
    }
}
