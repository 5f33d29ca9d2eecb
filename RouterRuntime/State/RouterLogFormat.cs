using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// The versions of what the router writes to its log and snapshots. Raise <see cref="Current"/> when a command
/// is added or an existing one changes meaning; a leader writes a format only once every voting member applies
/// it (<see cref="Consensus.ClusterLogFormat"/>), and a node that meets a newer format stops applying instead of guessing.
/// </summary>
/// <remarks>
/// 1: the first wave's commands, and <c>record_member_format</c>; entries and snapshots as bare protobuf.
/// 2: <c>checkpoint</c>; entries and snapshots inside a checksummed <see cref="Integrity.LogEnvelope"/>.
/// </remarks>
internal static class RouterLogFormat
{
    public const uint Current = 2;

    /// <summary>The oldest format any router writes: what a member that has not said otherwise applies.</summary>
    public const uint Oldest = 1;

    /// <summary>The first format whose entries and snapshots carry a checksum.</summary>
    public const uint Checksummed = 2;

    /// <summary>The format a command needs every node to apply.</summary>
    public static uint Requires(Command command) => command.BodyCase switch
    {
        Command.BodyOneofCase.Checkpoint => 2,
        Command.BodyOneofCase.Batch => command.Batch.Commands.Select(Requires).DefaultIfEmpty(Oldest).Max(),
        _ => Oldest,
    };

    /// <summary>Backups from a newer router than this one are refused rather than misread.</summary>
    public static bool CanRead(uint format) => format <= Current;
}
