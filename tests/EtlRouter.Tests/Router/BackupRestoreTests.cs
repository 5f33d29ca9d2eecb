using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>A backup is a consistent snapshot; restoring it into a fresh cluster yields the same state.</summary>
public sealed class BackupRestoreTests
{
    [Fact]
    public async Task A_backup_restored_into_a_fresh_cluster_holds_the_same_pipelines_and_dead_letters()
    {
        await using var source = await RouterCluster.StartAsync(3);
        var node = await source.FollowerAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear($"b{i:D4}", generation: 1 + (i % 4)) }));
        var letters = new AppendDeadLettersRequest();
        for (var i = 0; i < 20; i++)
            letters.DeadLetters.Add(new DeadLetter { Id = $"dl-{i}", Pipeline = new PipelineRef { Namespace = "default", Name = "b0001" }, Stage = "transform", Error = $"error {i}", Attempts = 3, Record = new EtlRouter.Contracts.V1.Record { Id = $"r{i}", Value = Google.Protobuf.ByteString.CopyFromUtf8("{}") } });
        await node.DeadLetters.AppendAsync(letters);
        node = await source.LeaderAsync();

        var chunks = new List<BackupChunk>();
        using (var backup = node.ControlPlane.CreateBackup(new CreateBackupRequest()))
        {
            await foreach (var chunk in backup.ResponseStream.ReadAllAsync()) chunks.Add(chunk);
        }

        Assert.Equal(500u, chunks[0].Pipelines);
        Assert.Equal(20u, chunks[0].DeadLetters);

        await using var target = await RouterCluster.StartAsync(3);
        var restore = (await target.FollowerAsync()).ControlPlane.RestoreBackup();
        foreach (var chunk in chunks) await restore.RequestStream.WriteAsync(chunk);
        await restore.RequestStream.CompleteAsync();
        var restored = await restore;
        Assert.Equal(500u, restored.Pipelines);

        var expected = await RouterTestData.ListAt(node.ControlPlane, 0);
        foreach (var copy in target.Nodes)
        {
            var actual = await RouterTestData.ListAt(copy.ControlPlane, restored.CommitIndex);
            Assert.Equal(expected.Pipelines.Select(p => p.Definition), actual.Pipelines.Select(p => p.Definition));
            var dead = await copy.DeadLetters.ListAsync(new ListDeadLettersRequest { Limit = 100 });
            Assert.Equal(letters.DeadLetters.Select(d => d.Id), dead.DeadLetters.Select(d => d.Id));
        }
    }
}
