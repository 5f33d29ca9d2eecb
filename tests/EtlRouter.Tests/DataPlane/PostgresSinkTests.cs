using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>The Postgres sink against a real PostgreSQL: every record once, even across a sidecar crash.</summary>
public sealed class PostgresSinkTests
{
    [Fact]
    public async Task Three_stage_pipeline_writes_every_record_to_postgres_once_even_when_a_sidecar_is_killed()
    {
        var connection = TestPostgres.Require();
        var table = $"records_{Guid.NewGuid():N}"[..20];
        await using var rig = await DataPlaneRig.StartAsync();
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "6000", "--rate", "3000");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var postgres = await rig.ConnectorAsync("postgres", "warehouse", "--connection", connection, "--table", table);
        await rig.SidecarAsync("pod-source", generator);
        var transformPod = await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", postgres);

        await rig.ApplyAsync(Build("to-postgres", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "warehouse", "mask")]));

        // Mid-run, the transform's sidecar dies without warning and its pod restarts it.
        await Eventually.WaitUntil(async () => (await PostgresTables.IdsAsync(connection, table)).Count >= 1000, "the first records in Postgres");
        transformPod.Process.Kill();
        transformPod.Process.Start();

        await Eventually.WaitUntil(async () => (await PostgresTables.IdsAsync(connection, table)).Count >= 6000,
            "every record in Postgres", TimeSpan.FromSeconds(60), rig.Diagnostics);
        var ids = await PostgresTables.IdsAsync(connection, table);
        Assert.Equal(Enumerable.Range(0, 6000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        Assert.Equal(6000, ids.Count);
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 6000, "the source acknowledged every record", diagnostics: rig.Diagnostics);
    }
}
