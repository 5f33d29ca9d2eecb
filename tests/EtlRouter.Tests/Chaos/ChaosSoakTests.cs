using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Chaos;

/// <summary>
/// The short chaos soak (the long one is bench/ChaosSoak, results in bench/results/chaos-soak.md): kill -9 at
/// random sidecars, connectors, router nodes (the leader too) and the operator while records flow, over mutual TLS,
/// into PostgreSQL; nothing may be lost or written twice.
/// </summary>
public sealed class ChaosSoakTests
{
    [Fact]
    public async Task Random_kills_of_every_kind_of_process_lose_nothing_and_duplicate_nothing()
    {
        var postgres = TestPostgres.Require();
        var report = await ChaosSoak.RunAsync(postgres, new ChaosSoakSettings(Records: 15_000, Rate: 600, KillEvery: TimeSpan.FromSeconds(2), Seed: 19, Deadline: TimeSpan.FromSeconds(150)),
            line => TestContext.Current.SendDiagnosticMessage(line));
        TestContext.Current.SendDiagnosticMessage(report.Summary());
        Assert.True(report.Kills.Values.All(k => k >= 1), $"every kind of process killed at least once: {report.Summary()}");
        Assert.True(report.Lost == 0, $"{report.Summary()}\n{string.Join('\n', report.Timeline)}");
        Assert.True(report.Duplicates == 0, report.Summary());
    }
}
