using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>Group commit without Raft: a log that holds entries until released and applies what it got.</summary>
public sealed class GroupCommitProposerTests
{
    private readonly List<Command> entries = [];
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task Replicate(ReadOnlyMemory<byte> bytes, object context, CancellationToken token)
    {
        lock (entries) entries.Add(Command.Parser.ParseFrom(bytes.Span));
        await release.Task.WaitAsync(token);

        // What the state machine does on apply: each proposer hears its own command's result.
        IReadOnlyList<PendingCommand> pending = context switch
        {
            PendingCommand one => [one],
            PendingBatch batch => batch.Commands,
            _ => throw new InvalidOperationException($"unexpected context {context}"),
        };
        for (var i = 0; i < pending.Count; i++) pending[i].Complete(new CommandResult { Index = (ulong)i });
    }

    [Fact]
    public async Task Commands_proposed_while_entries_are_in_flight_share_entries_and_each_caller_hears_its_own_result()
    {
        var token = TestContext.Current.CancellationToken;
        await using var proposer = new GroupCommitProposer(Replicate);
        proposer.Start();

        var first = proposer.ProposeAsync(new Command { DeletePipeline = new() { Namespace = "default", Name = "p0" } }, token);
        await Eventually.WaitUntil(() => { lock (entries) return entries.Count == 1; }, "the first command reaching the log", TimeSpan.FromSeconds(10));
        var rest = Enumerable.Range(1, 200)
            .Select(i => proposer.ProposeAsync(new Command { DeletePipeline = new() { Namespace = "default", Name = $"p{i}" } }, token))
            .ToList();
        release.SetResult();
        await Task.WhenAll(rest.Append(first)).WaitAsync(TimeSpan.FromSeconds(10), token);

        // At most MaxRoundsInFlight entries wait on the log; everything proposed meanwhile rides the next one.
        Assert.InRange(entries.Count, 2, GroupCommitProposer.MaxRoundsInFlight + 1);
        var logged = entries.SelectMany(e => e.BodyCase == Command.BodyOneofCase.Batch ? e.Batch.Commands : [e]).Select(c => c.DeletePipeline.Name);
        Assert.Equal(Enumerable.Range(0, 201).Select(i => $"p{i}"), logged);
        Assert.Equal(Command.BodyOneofCase.DeletePipeline, entries[0].BodyCase);
    }

    [Fact]
    public async Task A_failed_round_fails_every_command_in_it_and_the_next_proposal_still_goes_through()
    {
        var token = TestContext.Current.CancellationToken;
        var calls = 0;
        await using var proposer = new GroupCommitProposer((bytes, context, ct) =>
            Interlocked.Increment(ref calls) == 1 ? Task.FromException(new InvalidOperationException("lost leadership")) : Replicate(bytes, context, ct));
        proposer.Start();
        release.SetResult();

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => proposer.ProposeAsync(new Command { DeletePipeline = new() { Name = "a" } }, token));
        Assert.Equal("lost leadership", failed.Message);
        var result = await proposer.ProposeAsync(new Command { DeletePipeline = new() { Name = "b" } }, token).WaitAsync(TimeSpan.FromSeconds(10), token);
        Assert.Equal(0UL, result.Index);
    }
}
