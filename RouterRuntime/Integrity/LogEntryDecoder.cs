using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;

namespace EtlRouter.RouterRuntime.Integrity;

/// <summary>
/// Turns a committed entry's bytes into the command to apply, or says why this node must stop instead: the frame
/// is damaged, the bytes are not a command, or the entry needs a log format (or holds a command) this node does
/// not apply. Nothing it cannot apply faithfully is passed on as a no-op.
/// </summary>
internal static class LogEntryDecoder
{
    public static DecodedEntry Decode(ReadOnlyMemory<byte> bytes, long index, uint maxFormat)
    {
        var read = LogEnvelope.Read(bytes);
        if (read.Damage is { } damage) return Damaged(index, damage);
        if (read.Format > maxFormat) return Unsupported(index, $"the entry is in log format {read.Format}", read.Format, maxFormat);

        Command command;
        try
        {
            command = Command.Parser.ParseFrom(read.Payload.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Damaged(index, read.IsChecked
                ? $"its checksum holds but it does not parse as a router command ({e.Message})"
                : $"it does not parse as a router command ({e.Message}); format-1 entries carry no checksum");
        }

        if (command.Format > maxFormat) return Unsupported(index, $"the command is in log format {command.Format}", command.Format, maxFormat);
        foreach (var one in command.BodyCase == Command.BodyOneofCase.Batch ? command.Batch.Commands : [command])
        {
            if (one.BodyCase == Command.BodyOneofCase.None)
            {
                // Bytes that parse to no known body: a command from a newer router (its field is unknown here).
                return new DecodedEntry(null, new HaltReport(index, HaltKind.Unsupported,
                    $"it holds a command this router does not know (a command added after log format {maxFormat}); upgrade this node to the router version the other members run",
                    DateTime.UtcNow));
            }

            if (RouterLogFormat.Requires(one) is var needed && needed > maxFormat)
                return Unsupported(index, $"its {one.BodyCase} command needs log format {needed}", needed, maxFormat);
        }

        return new DecodedEntry(command, null);
    }

    private static DecodedEntry Damaged(long index, string why) =>
        new(null, new HaltReport(index, HaltKind.Damaged, $"the entry is damaged: {why}; the node recovers from a peer's snapshot", DateTime.UtcNow));

    private static DecodedEntry Unsupported(long index, string what, uint needed, uint maxFormat) =>
        new(null, new HaltReport(index, HaltKind.Unsupported,
            $"{what}, but this router applies log formats up to {maxFormat}; upgrade this node to a router that applies format {needed} (the leader wrote it for every member)",
            DateTime.UtcNow));
}

/// <summary>The command to apply, or why not.</summary>
internal sealed record DecodedEntry(Command? Command, HaltReport? Halt);
