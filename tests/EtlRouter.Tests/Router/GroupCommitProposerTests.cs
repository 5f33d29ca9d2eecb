using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>Group commit without Raft: a log that holds entries until released and applies what it got.</summary>
public sealed class GroupCommitProposerTests
{
    private readonly List<Command> entries = [];
    private readonly List<LogEnvelopeRead> frames = [];
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint clusterFormat = RouterLogFormat.Current;

    private GroupCommitProposer NewProposer(Func<ReadOnlyMemory<byte>, object, CancellationToken, Task>? replicate = null) =>
        new(replicate ?? Replicate, () => clusterFormat, needed => $"node 3 applies up to format {clusterFormat}");

    private async Task Replicate(ReadOnlyMemory<byte> bytes, object context, CancellationToken token)
    {
        var frame = LogEnvelope.Read(bytes);
        lock (entries)
        {
            frames.Add(frame);
            entries.Add(Command.Parser.ParseFrom(frame.Payload.Span));
        }

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
        await using var proposer = NewProposer();
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
        await using var proposer = NewProposer((bytes, context, ct) =>
            Interlocked.Increment(ref calls) == 1 ? Task.FromException(new InvalidOperationException("lost leadership")) : Replicate(bytes, context, ct));
        proposer.Start();
        release.SetResult();

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => proposer.ProposeAsync(new Command { DeletePipeline = new() { Name = "a" } }, token));
        Assert.Equal("lost leadership", failed.Message);
        var result = await proposer.ProposeAsync(new Command { DeletePipeline = new() { Name = "b" } }, token).WaitAsync(TimeSpan.FromSeconds(10), token);
        Assert.Equal(0UL, result.Index);
    }

    [Fact]
    public async Task Entries_are_written_in_the_format_every_member_applies_and_a_command_needing_a_newer_one_is_refused()
    {
        var token = TestContext.Current.CancellationToken;
        release.SetResult();
        clusterFormat = RouterLogFormat.Oldest;
        await using var proposer = NewProposer();
        proposer.Start();

        await proposer.ProposeAsync(new Command { DeletePipeline = new() { Name = "old-form" } }, token).WaitAsync(TimeSpan.FromSeconds(10), token);
        var refused = await Assert.ThrowsAsync<LogFormatNotActiveException>(() => proposer.ProposeAsync(new Command { Checkpoint = new() }, token));
        Assert.Contains("Checkpoint needs log format 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("node 3 applies up to format 1", refused.Message, StringComparison.Ordinal);

        clusterFormat = RouterLogFormat.Current;
        await proposer.ProposeAsync(new Command { Checkpoint = new() }, token).WaitAsync(TimeSpan.FromSeconds(10), token);

        // Format 1: the bare command, as an older router reads it; format 2: framed with a checksum.
        Assert.Equal(2, frames.Count);
        Assert.False(frames[0].IsChecked);
        Assert.Equal(RouterLogFormat.Oldest, entries[0].Format);
        Assert.True(frames[1].IsChecked);
        Assert.Equal(RouterLogFormat.Current, frames[1].Format);
        Assert.Equal(Command.BodyOneofCase.Checkpoint, entries[1].BodyCase);
    }
}
