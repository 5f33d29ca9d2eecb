using System.Diagnostics;
using EtlRouter.Entities.Manifests;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Cli;

/// <summary>etlctl validate and graph (no cluster needed), help, completion and exit codes.</summary>
public sealed class OfflineCommandTests
{
    private static readonly string Samples = Path.Combine(RepositoryRoot.Path, "config", "samples");
    private static readonly string Broken = Path.Combine(RepositoryRoot.Path, "tests", "EtlRouter.Tests", "TestData", "broken");

    [Fact]
    public async Task Validate_lists_every_error_of_the_operators_broken_manifests_with_file_document_and_field_and_exits_1()
    {
        foreach (var file in Directory.GetFiles(Broken, "*.yaml").Order())
        {
            var (exit, _, error) = await EtlCtlRunner.Offline().RunAsync("validate", "-f", file);
            Assert.Equal(1, exit);

            // The same reader and validators the webhook and the operator use: the same messages.
            foreach (var document in ManifestReader.Read(File.ReadAllText(file), file).Where(d => d.Issues.Count > 0))
            {
                foreach (var issue in document.Issues)
                {
                    Assert.Contains($"{document.Location}", error, StringComparison.Ordinal);
                    Assert.Contains($"{issue.Path}: {issue.Message}", error, StringComparison.Ordinal);
                }
            }
        }

        var (all, _, summary) = await EtlCtlRunner.Offline().RunAsync("validate", "-f", Broken);
        Assert.Equal(1, all);
        Assert.Contains($"{Directory.GetFiles(Broken, "*.yaml").Length} of", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_passes_the_samples_and_reads_standard_input()
    {
        var (exit, output, error) = await EtlCtlRunner.Offline().RunAsync("validate", "-f", Samples);
        Assert.True(exit == 0, error);
        Assert.Contains("document(s) valid", output, StringComparison.Ordinal);

        var cycle = File.ReadAllText(Path.Combine(Broken, "01-cycle.yaml"));
        var (piped, _, pipedError) = await EtlCtlRunner.Offline().RunWithInputAsync(cycle, "validate", "-f", "-");
        Assert.Equal(1, piped);
        Assert.Contains("-, document 1", pipedError, StringComparison.Ordinal);
        Assert.Contains("cycle", pipedError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("mermaid")]
    [InlineData("dot")]
    public async Task Graph_draws_the_samples_with_fan_in_fan_out_and_shared_stages(string format)
    {
        var (exit, output, error) = await EtlCtlRunner.Offline().RunAsync("graph", "-f", Samples, "--format", format);
        Assert.True(exit == 0, error);
        Golden.Match($"graph-samples.{format}.txt", output);
    }

    [Fact]
    public async Task Graphviz_renders_the_dot_output()
    {
        var dot = Executables.Find("dot");
        if (dot is null) Assert.Skip("Graphviz (dot) is not installed: `make test` installs it with apt where it can");

        var (_, output, _) = await EtlCtlRunner.Offline().RunAsync("graph", "-f", Samples, "--format", "dot");
        var png = Path.Combine(Path.GetTempPath(), $"etlctl-graph-{Guid.NewGuid():N}.png");
        try
        {
            var render = await ProcessRun.RunAsync(dot, ["-Tpng", "-o", png], TimeSpan.FromSeconds(60), input: output);
            Assert.True(render.Succeeded, render.ToString());
            var bytes = await File.ReadAllBytesAsync(png, TestContext.Current.CancellationToken);
            Assert.True(bytes.Length > 1000);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_an_unreachable_target_exits_3_naming_what_was_tried()
    {
        var runner = EtlCtlRunner.Offline();
        Assert.Equal(2, (await runner.RunAsync("frobnicate")).Exit);
        Assert.Equal(2, (await runner.RunAsync("get")).Exit);
        Assert.Equal(2, (await runner.RunAsync("get", "widgets")).Exit);
        Assert.Equal(2, (await runner.RunAsync("graph", "-f", Samples, "--format", "svg")).Exit);

        var (noKube, _, kubeError) = await runner.RunAsync("get", "pipelines");
        Assert.Equal(3, noKube);
        Assert.Contains("no kubeconfig found (tried", kubeError, StringComparison.Ordinal);

        var (noRouter, _, routerError) = await runner.RunAsync("cluster", "status");
        Assert.Equal(3, noRouter);
        Assert.Contains("pass --router host:port or set ETLCTL_ROUTER", routerError, StringComparison.Ordinal);

        var port = FreePorts.Take(1)[0];
        var (down, _, downError) = await runner.RunAsync("cluster", "status", "--router", $"127.0.0.1:{port}");
        Assert.Equal(3, down);
        Assert.Contains($"nothing listens at 127.0.0.1:{port} (from --router)", downError, StringComparison.Ordinal);

        var (bad, _, badError) = await runner.RunAsync("cluster", "status", "--router", "not a url");
        Assert.Equal(2, bad);
        Assert.Contains("--router: 'not a url' is not a router address", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_command_has_help_with_examples_and_completion_suggests_commands()
    {
        var runner = EtlCtlRunner.Offline();
        foreach (var command in new[] { "apply", "get", "describe", "delete", "validate", "graph", "dlq list", "dlq show", "dlq replay", "dlq purge", "cluster status", "backup create", "backup restore", "backup list", "completion" })
        {
            var (exit, output, _) = await runner.RunAsync([.. command.Split(' '), "--help"]);
            Assert.Equal(0, exit);
            Assert.Contains("Examples:\n  ", output.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        var (_, suggestions, _) = await runner.RunAsync("[suggest:10]", "etlctl dl");
        Assert.Contains("dlq", suggestions.Split('\n', StringSplitOptions.TrimEntries));
        var (_, kinds, _) = await runner.RunAsync("[suggest:19]", "etlctl get etlpip");
        Assert.Contains("etlpipelines", kinds.Split('\n', StringSplitOptions.TrimEntries));

        var (_, script, _) = await runner.RunAsync("completion", "bash");
        var bash = await ProcessRun.RunAsync("bash", ["-n"], TimeSpan.FromSeconds(30), input: script);
        Assert.True(bash.Succeeded, bash.ToString());
    }
}
