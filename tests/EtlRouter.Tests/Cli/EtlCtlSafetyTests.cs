using EtlRouter.Contracts.V1;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Tests.Router;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Cli;

/// <summary>
/// etlctl never does more than it was asked: every command refuses unknown options, option-like words, empty names
/// and paths before it contacts anything; a list with one bad or missing name deletes nothing; --dry-run changes
/// nothing; and every transport failure (wrong CA, expired certificate, not a router, nothing listening, plaintext
/// against TLS and the reverse) is one line naming what to fix, with the router's state untouched.
/// </summary>
public sealed class EtlCtlSafetyTests
{
    private static readonly string Home = Path.Combine(Path.GetTempPath(), "etlctl-no-kubeconfig");

    /// <summary>Malformed invocations of every command, each with its exit code and words the one error line holds.</summary>
    private static readonly (string[] Args, int Exit, string Expected)[] Malformed =
    [
        (["delete", "pipeline", "a1", "--dryrun"], 2, "did you mean --dry-run?"),
        (["delete", "pipeline", "a1", "-x"], 2, "'-x' is not an option of 'etlctl delete'"),
        (["delete", "pipeline", "a1", ""], 2, "an empty name"),
        (["delete", "pipeline", "a1", "../a2"], 2, "holds path characters"),
        (["delete", "pipeline", "a1", "a2/x"], 2, "holds path characters"),
        (["delete", "pipeline", "a1", "Bad_Name"], 2, "'Bad_Name' is not a valid name"),
        (["delete", "pipeline", "a1", "a2", "nope"], 1, "pipeline default/nope not found; nothing was deleted"),
        (["delete", "pipeline", "--", "-a1"], 2, "'-a1' is not an option"),
        (["delete", "pipeline", "a1", "--dry-run=maybe"], 2, "'maybe' is not none, client or server"),
        (["get", "pipelines", "a/b"], 2, "holds path characters"),
        (["get", "pipelines", "--bogus"], 2, "'--bogus' is not an option of 'etlctl get'"),
        (["describe", "pipeline", "a1", "--wide"], 2, "is not an option of 'etlctl describe'"),
        (["graph", "a1", "--formt", "dot"], 2, "did you mean --format?"),
        (["dlq", "list", "--sinse", "1h"], 2, "did you mean --since?"),
        (["dlq", "replay", "--stage", "../x"], 2, "stage '../x' holds path characters"),
        (["dlq", "purge", "-p", ""], 2, "an empty pipeline"),
        (["dlq", "purge", "-p", "a1", "--force"], 2, "'--force' is not an option of 'etlctl dlq purge'"),
        (["dlq", "purge"], 2, "purge without a filter deletes every dead letter"),
        (["cluster", "verify", "--force"], 2, "'--force' is not an option of 'etlctl cluster verify'"),
        (["cluster", "status", "-q"], 2, "'-q' is not an option"),
        (["backup", "restore", "x", "--source", "/nonexistent", "--frobnicate"], 2, "'--frobnicate' is not an option"),
        (["backup", "create", "--dest", "ftp://x"], 2, "only directories and s3:// are supported"),
        (["apply", "-f", "-", "--dryrun"], 2, "did you mean --dry-run?"),
        (["validate", "-f", "-", "--strict"], 2, "'--strict' is not an option of 'etlctl validate'"),
        (["certs", "issue", "--bogus"], 2, "'--bogus' is not an option of 'etlctl certs issue'"),
        (["completion", "bash", "--x"], 2, "'--x' is not an option"),
    ];

    [Fact]
    public async Task Every_malformed_invocation_is_one_clear_line_and_changes_nothing_on_the_router()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await SeedAsync(node);
        var before = await SnapshotAsync(node);
        var etlctl = Runner(node);

        foreach (var (args, code, expected) in Malformed)
        {
            var (exit, output, error) = await etlctl.RunAsync(args);
            var what = $"etlctl {string.Join(' ', args.Select(a => a.Length == 0 ? "''" : a))}: exit {exit}\n{output}{error}";
            Assert.True(exit == code, what);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines[0].StartsWith("error: ", StringComparison.Ordinal) && lines[0].Contains(expected, StringComparison.Ordinal), what);
            // One error line, and the usage line after it for a usage error.
            Assert.True(lines.Length == 1 || (lines.Length == 2 && lines[1].StartsWith("Usage: etlctl ", StringComparison.Ordinal)), what);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        }

        // The S3 endpoint is checked as the S3 connectors check theirs (one client setup), before anything is read.
        etlctl.Environment["AWS_ENDPOINT_URL_S3"] = "minio:9000";
        var s3 = await etlctl.RunAsync("backup", "create", "--dest", "s3://backups/router");
        Assert.True(s3.Exit == 2, $"exit {s3.Exit}: {s3.Error}");
        Assert.StartsWith("error: AWS_ENDPOINT_URL_S3: 'minio:9000' is not an http(s) URL; write e.g. http://127.0.0.1:9000", s3.Error, StringComparison.Ordinal);

        Assert.Equal(before, await SnapshotAsync(node));
    }

    [Fact]
    public async Task Delete_checks_every_name_first_dry_runs_change_nothing_and_ignore_not_found_deletes_the_rest()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await SeedAsync(node);
        var before = await SnapshotAsync(node);
        var etlctl = Runner(node);

        var (exit, output, error) = await etlctl.RunAsync("delete", "pipeline", "a1", "a2", "--dry-run");
        Assert.True(exit == 0, error);
        Assert.Equal("pipeline default/a1 deleted (dry run)\npipeline default/a2 deleted (dry run)\n", output);
        (exit, output, error) = await etlctl.RunAsync("delete", "pipeline", "a1", "--dry-run=server");
        Assert.True(exit == 0, error);
        Assert.Equal("pipeline default/a1 deleted (server dry run)\n", output);
        (exit, output, error) = await etlctl.RunAsync("dlq", "purge", "-p", "a1", "--dry-run");
        Assert.True(exit == 0, error);
        Assert.Equal("2 dead letter(s) would be purged (dry run)\n", output);
        (exit, output, _) = await etlctl.RunAsync("dlq", "replay", "--error", "boom", "--dry-run=server");
        Assert.Equal(0, exit);
        Assert.Equal("3 dead letter(s) would be queued for replay (server dry run)\n", output);
        Assert.Equal(before, await SnapshotAsync(node));

        (exit, output, error) = await etlctl.RunAsync("delete", "pipeline", "a1", "nope", "--ignore-not-found");
        Assert.True(exit == 0, error);
        Assert.Equal("pipeline default/a1 deleted\n", output);
        Assert.Equal(["a2", "a3"], (await node.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest(), cancellationToken: TestContext.Current.CancellationToken)).Pipelines.Select(p => p.Definition.Ref.Name).Order());
    }

    [Fact]
    public async Task Delete_and_apply_dry_runs_against_the_api_server_store_nothing_and_a_bad_name_in_a_list_deletes_nothing()
    {
        var home = Directory.CreateTempSubdirectory("etlctl-safety-home-");
        try
        {
            await using var harness = await OperatorHarness.StartAsync(startOperator: false);
            var etlctl = EtlCtlRunner.For(harness.Api, home.FullName);
            const string Sources = """
                apiVersion: etl.router/v1
                kind: Source
                metadata: {name: s1}
                ---
                apiVersion: etl.router/v1
                kind: Source
                metadata: {name: s2}
                """;
            var (dry, dryOutput, dryError) = await etlctl.RunWithInputAsync(Sources, "apply", "-f", "-", "--dry-run=server");
            Assert.True(dry == 0, dryError);
            Assert.Equal("etlsource.etl.router/s1 created (server dry run)\netlsource.etl.router/s2 created (server dry run)\n", dryOutput);
            Assert.Empty((await etlctl.RunAsync("get", "sources", "-o", "name")).Out);
            Assert.Equal(0, (await etlctl.RunWithInputAsync(Sources, "apply", "-f", "-")).Exit);

            foreach (var args in new[] { new[] { "delete", "source", "s1", "s2", "--dry-run" }, ["delete", "source", "s1", "--dry-run=server"], ["delete", "source", "s1", "s3"], ["delete", "source", "s1", "S_2"], ["delete", "source", "s1", "--dryrun"] })
            {
                var (exit, output, error) = await etlctl.RunAsync(args);
                Assert.True(exit == (args[^1].StartsWith("--dry-run", StringComparison.Ordinal) ? 0 : args[^1] == "s3" ? 1 : 2), $"{string.Join(' ', args)}: {output}{error}");
            }

            Assert.Equal("etlsource.etl.router/s1\netlsource.etl.router/s2\n", (await etlctl.RunAsync("get", "sources", "-o", "name")).Out);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Every_transport_failure_names_what_to_fix_in_one_line_and_changes_nothing()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await SeedAsync(node);
        var before = await SnapshotAsync(node);
        var scratch = Directory.CreateTempSubdirectory("etlctl-tls-");
        try
        {
            // Another install: its own CA, and an admin certificate from it.
            var otherCa = AuthorityFiles.OpenOrCreate(Path.Combine(scratch.FullName, "other-ca"), TimeSpan.FromDays(1));
            var otherInstall = Path.Combine(scratch.FullName, "other-install");
            AuthorityFiles.Issue(otherCa, PeerIdentity.Admin("lost"), ["127.0.0.1"], TimeSpan.FromDays(1), otherInstall);

            // This install's CA, but a certificate from the other: the router is trusted, etlctl is not.
            var foreignCertificate = Path.Combine(scratch.FullName, "foreign-certificate");
            AuthorityFiles.Issue(otherCa, PeerIdentity.Admin("stranger"), ["127.0.0.1"], TimeSpan.FromDays(1), foreignCertificate);
            File.Copy(Path.Combine(TestCertificates.DirectoryFor(TestCertificates.Admin), "ca.crt"), Path.Combine(foreignCertificate, "ca.crt"), overwrite: true);

            // A certificate that expired yesterday (etlctl checks its own before it dials).
            var expired = Path.Combine(scratch.FullName, "expired");
            var oldCa = CertificateIssuer.CreateAuthority("old-ca", DateTimeOffset.UtcNow.AddDays(-10), TimeSpan.FromDays(20));
            var old = CertificateIssuer.IssueIdentity(oldCa, PeerIdentity.Admin("old"), ["127.0.0.1"], DateTimeOffset.UtcNow.AddDays(-3), TimeSpan.FromDays(2));
            AuthorityFiles.WriteIdentity(expired, old, oldCa.ExportCertificatePem() + "\n");

            await using var notARouter = await FakeGrpcServer.StartAsync(_ => { }, _ => { }, tlsAs: PeerIdentity.Operator("impostor"));
            await using var plaintextRouter = await RouterCluster.StartAsync(1, new Dictionary<string, string> { ["TLS_MODE"] = "plaintext" });
            var nothing = FreePorts.Take(1)[0];

            var cases = new (string What, string Router, Dictionary<string, string> Environment, int Exit, string Expected)[]
            {
                ("another install's CA and certificate", Address(node), new() { ["ETLCTL_TLS_DIR"] = otherInstall }, 3, "etlctl refused the server at 127.0.0.1:"),
                ("a certificate the router's CA did not issue", Address(node), new() { ["ETLCTL_TLS_DIR"] = foreignCertificate }, 3, "refused etlctl's certificate"),
                ("an expired certificate", Address(node), new() { ["ETLCTL_TLS_DIR"] = expired }, 2, "expired at"),
                ("a server that is not a router", notARouter.Endpoint, [], 3, "not a router"),
                ("nothing listening", $"127.0.0.1:{nothing}", [], 3, "nothing listens at"),
                ("a plaintext router", Address(plaintextRouter.Nodes[0]), [], 3, "did not answer the TLS handshake"),
                ("plaintext etlctl against a TLS router", Address(node), new() { ["ETLCTL_TLS_MODE"] = "plaintext" }, 3, "it expects TLS"),
            };
            foreach (var (what, router, environment, code, expected) in cases)
            {
                var etlctl = new EtlCtlRunner(new Dictionary<string, string> { ["ETLCTL_ROUTER"] = router, ["HOME"] = Home });
                foreach (var (name, value) in environment) etlctl.Environment[name] = value;
                foreach (var args in new[] { new[] { "delete", "pipeline", "a1" }, ["dlq", "purge", "-p", "a1"], ["cluster", "status"] })
                {
                    var (exit, output, error) = await etlctl.RunAsync(args);
                    var shown = $"{what}, etlctl {string.Join(' ', args)}: exit {exit}\n{output}{error}";
                    TestContext.Current.SendDiagnosticMessage(shown);
                    Assert.True(exit == code, shown);
                    var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                    Assert.True(line.Contains(expected, StringComparison.Ordinal), shown);
                    Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
                    Assert.DoesNotContain("Object name", line, StringComparison.Ordinal);
                }
            }

            // --debug shows what caused it (for a bug report), below the same line.
            var debug = new EtlCtlRunner(new Dictionary<string, string> { ["ETLCTL_ROUTER"] = $"127.0.0.1:{nothing}", ["HOME"] = Home });
            var (_, _, detail) = await debug.RunAsync("cluster", "status", "--debug");
            Assert.Contains("nothing listens at", detail, StringComparison.Ordinal);
            Assert.Contains("RpcException", detail, StringComparison.Ordinal);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        Assert.Equal(before, await SnapshotAsync(node));
    }

    private static string Address(RouterProcess node) => $"127.0.0.1:{node.GrpcPort}";

    private static EtlCtlRunner Runner(RouterProcess node) =>
        new(new Dictionary<string, string> { ["ETLCTL_ROUTER"] = Address(node), ["HOME"] = Home });

    private static async Task SeedAsync(RouterProcess node)
    {
        foreach (var name in new[] { "a1", "a2", "a3" })
            await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear(name) }, cancellationToken: TestContext.Current.CancellationToken);
        var letters = new AppendDeadLettersRequest();
        foreach (var (id, pipeline) in new[] { ("dl-1", "a1"), ("dl-2", "a1"), ("dl-3", "a2") })
            letters.DeadLetters.Add(new DeadLetter { Id = id, Pipeline = new PipelineRef { Namespace = "default", Name = pipeline }, Stage = "transform", Error = "boom", Attempts = 3, Record = new EtlRouter.Contracts.V1.Record { Id = id } });
        await node.DeadLetters.AppendAsync(letters, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>What a command could change: the pipelines (with generations) and the dead letters (with their state).</summary>
    private static async Task<string> SnapshotAsync(RouterProcess node)
    {
        var pipelines = await node.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest(), cancellationToken: TestContext.Current.CancellationToken);
        var letters = await node.DeadLetters.ListAsync(new ListDeadLettersRequest { Limit = 100 }, cancellationToken: TestContext.Current.CancellationToken);
        return string.Join('\n', pipelines.Pipelines.Select(p => $"{p.Definition.Ref.Namespace}/{p.Definition.Ref.Name}@{p.Definition.Generation}").Order())
            + "\n" + string.Join('\n', letters.DeadLetters.Select(d => $"{d.Id}:{d.State}").Order());
    }
}
