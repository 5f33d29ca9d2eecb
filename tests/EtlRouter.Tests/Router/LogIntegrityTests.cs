using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// What a node does with the bytes of a committed entry: checks the frame's checksum, refuses formats and
/// commands it does not apply, and never turns anything into a no-op; and the state hash every node compares.
/// </summary>
public sealed class LogIntegrityTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    private static byte[] Framed(Command command) => LogEnvelope.Wrap(command.ToByteArray(), RouterLogFormat.Current);

    [Fact]
    public void A_framed_entry_reads_back_and_any_flipped_bit_or_lost_byte_is_caught()
    {
        var command = new Command { ApplyPipeline = RouterTestData.Linear("p") };
        var frame = Framed(command);
        var read = LogEnvelope.Read(frame);
        Assert.True(read.IsChecked);
        Assert.Equal(command, Command.Parser.ParseFrom(read.Payload.Span));

        for (var position = 0; position < frame.Length; position += 7)
        {
            var damaged = (byte[])frame.Clone();
            damaged[position] ^= 0x10;
            var decoded = LogEntryDecoder.Decode(damaged, 42, RouterLogFormat.Current);
            Assert.True(decoded.Halt is not null, $"a flipped bit at byte {position} was not caught");
            Assert.Equal(42, decoded.Halt!.Index);
        }

        var truncated = LogEntryDecoder.Decode(frame.AsMemory(0, frame.Length - 3), 7, RouterLogFormat.Current);
        Assert.Equal(HaltKind.Damaged, truncated.Halt!.Kind);
        Assert.Contains("payload bytes", truncated.Halt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_format_1_entry_still_reads_without_a_checksum_and_garbage_in_one_stops_the_node()
    {
        var bare = new Command { Format = 1, DeletePipeline = new PipelineRef { Namespace = "default", Name = "p" } }.ToByteArray();
        var decoded = LogEntryDecoder.Decode(bare, 3, RouterLogFormat.Current);
        Assert.Null(decoded.Halt);
        Assert.Equal("p", decoded.Command!.DeletePipeline.Name);

        var garbage = LogEntryDecoder.Decode(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f }, 4, RouterLogFormat.Current);
        Assert.Equal(HaltKind.Damaged, garbage.Halt!.Kind);
        Assert.Contains("does not parse as a router command", garbage.Halt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_older_node_stops_at_a_newer_format_a_newer_command_or_an_unknown_body_and_says_to_upgrade()
    {
        var newerFrame = LogEntryDecoder.Decode(Framed(new Command { DeletePipeline = new PipelineRef { Name = "p" } }), 10, maxFormat: 1);
        Assert.Equal(HaltKind.Unsupported, newerFrame.Halt!.Kind);
        Assert.Contains("log format 2", newerFrame.Halt.Reason, StringComparison.Ordinal);
        Assert.Contains("applies log formats up to 1", newerFrame.Halt.Reason, StringComparison.Ordinal);
        Assert.Contains("upgrade this node", newerFrame.Halt.Reason, StringComparison.Ordinal);

        var checkpoint = LogEntryDecoder.Decode(new Command { Format = 1, Checkpoint = new Checkpoint() }.ToByteArray(), 11, maxFormat: 1);
        Assert.Contains("Checkpoint command needs log format 2", checkpoint.Halt!.Reason, StringComparison.Ordinal);

        // A command body added by a newer router: field 99 of Command, unknown to this build.
        var unknown = new Command { Format = 2 }.ToByteArray().Concat(new byte[] { 0x9a, 0x06, 0x00 }).ToArray();
        var decoded = LogEntryDecoder.Decode(LogEnvelope.Wrap(unknown, 2), 12, RouterLogFormat.Current);
        Assert.Equal(HaltKind.Unsupported, decoded.Halt!.Kind);
        Assert.Contains("does not know", decoded.Halt.Reason, StringComparison.Ordinal);

        // The same inside a batch: one unknown command stops the whole entry.
        var batch = new Command { Format = 2, Batch = new CommandBatch { Commands = { new Command { DeletePipeline = new PipelineRef { Name = "p" } } } } }.ToByteArray()
            .Concat(new byte[] { 0xb2, 0x01, 0x05, 0x0a, 0x03, 0x9a, 0x06, 0x00 }).ToArray();
        Assert.Equal(HaltKind.Unsupported, LogEntryDecoder.Decode(LogEnvelope.Wrap(batch, 2), 13, RouterLogFormat.Current).Halt!.Kind);
    }

    [Fact]
    public void The_state_hash_is_the_same_for_the_same_state_however_it_was_reached_and_differs_for_another()
    {
        var applied = new StateMachineLog(Now);
        applied.Apply(new Command { RegisterSidecar = RouterTestData.Sidecar("s1", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files")) });
        applied.Apply(new Command { ApplyPipeline = RouterTestData.Linear("b") });
        applied.Apply(new Command { ApplyPipeline = RouterTestData.Linear("a") });
        applied.Apply(new Command { RecordMemberFormat = new MemberFormat { RaftAddress = "127.0.0.1:7001", NodeId = "1", MaxFormat = 2 } });

        var restored = new RouterState();
        lock (applied.State.Sync) restored.Load(RouterSnapshot.Parser.ParseFrom(applied.State.ToSnapshot(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow)).ToByteArray()));

        string hashApplied, hashRestored;
        lock (applied.State.Sync) hashApplied = applied.State.Hash();
        lock (restored.Sync) hashRestored = restored.Hash();
        Assert.Equal(32, hashApplied.Length);
        Assert.Equal(hashApplied, hashRestored);

        var checkpoint = applied.Apply(new Command { Checkpoint = new Checkpoint() });
        Assert.Equal(hashApplied, checkpoint.Checkpoint);
        lock (applied.State.Sync) Assert.Equal((5L, hashApplied), applied.State.Checkpoints.Newest);

        applied.Apply(new Command { DeletePipeline = new PipelineRef { Namespace = "default", Name = "a" } });
        lock (applied.State.Sync) Assert.NotEqual(hashApplied, applied.State.Hash());
    }

    [Fact]
    public void The_cluster_writes_the_oldest_format_a_voting_member_recorded_and_one_that_recorded_none_counts_as_format_1()
    {
        var recorded = new Dictionary<string, MemberFormat>
        {
            ["a:1"] = new() { RaftAddress = "a:1", NodeId = "1", MaxFormat = 2 },
            ["b:1"] = new() { RaftAddress = "b:1", NodeId = "2", MaxFormat = 2 },
            ["gone:1"] = new() { RaftAddress = "gone:1", NodeId = "9", MaxFormat = 1 },
        };
        Assert.Equal(2u, ClusterLogFormat.Effective(["a:1", "b:1"], recorded));
        Assert.Equal(1u, ClusterLogFormat.Effective(["a:1", "b:1", "c:1"], recorded));
        Assert.Equal("c:1 has not recorded its format yet", ClusterLogFormat.Lagging(["a:1", "b:1", "c:1"], recorded, 2));

        recorded["b:1"] = new() { RaftAddress = "b:1", NodeId = "2", MaxFormat = 1 };
        Assert.Equal(1u, ClusterLogFormat.Effective(["a:1", "b:1"], recorded));
        Assert.Equal("node 2 (b:1) applies up to format 1", ClusterLogFormat.Lagging(["a:1", "b:1"], recorded, 2));
    }
}
