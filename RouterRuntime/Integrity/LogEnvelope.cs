using System.Buffers.Binary;
using System.IO.Hashing;

namespace EtlRouter.RouterRuntime.Integrity;

/// <summary>
/// The checksummed frame around every log entry and snapshot written in log format 2 or newer:
/// <c>"\0ETL"</c>, the format, the payload's length and its CRC-32, then the payload (little-endian, 16 bytes
/// of header). Format 1 wrote the bare payload; such bytes still read, unchecked (<see cref="LogEnvelopeRead.Unchecked"/>).
/// The magic starts with a zero byte, which no protobuf message does, so a frame is never mistaken for a bare payload.
/// </summary>
internal static class LogEnvelope
{
    public const int HeaderBytes = 16;

    private static ReadOnlySpan<byte> Magic => [0x00, (byte)'E', (byte)'T', (byte)'L'];

    public static byte[] Wrap(ReadOnlySpan<byte> payload, uint format)
    {
        var frame = new byte[HeaderBytes + payload.Length];
        Magic.CopyTo(frame);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), format);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8), (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), Crc32.HashToUInt32(payload));
        payload.CopyTo(frame.AsSpan(HeaderBytes));
        return frame;
    }

    public static LogEnvelopeRead Read(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        if (!span.StartsWith(Magic)) return LogEnvelopeRead.Unchecked(bytes);
        if (span.Length < HeaderBytes) return LogEnvelopeRead.Damaged($"the {span.Length}-byte frame is shorter than its {HeaderBytes}-byte header");

        var format = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        if (length != span.Length - HeaderBytes)
            return LogEnvelopeRead.Damaged($"the frame says {length} payload bytes but holds {span.Length - HeaderBytes}");

        var payload = bytes[HeaderBytes..];
        var computed = Crc32.HashToUInt32(payload.Span);
        return computed == stored
            ? LogEnvelopeRead.Checked(format, payload)
            : LogEnvelopeRead.Damaged($"checksum mismatch (stored crc32 {stored:x8}, computed {computed:x8})");
    }
}

/// <summary>What <see cref="LogEnvelope.Read"/> found: a checked payload, a format-1 payload, or damage.</summary>
internal readonly record struct LogEnvelopeRead(ReadOnlyMemory<byte> Payload, uint Format, bool IsChecked, string? Damage)
{
    public static LogEnvelopeRead Checked(uint format, ReadOnlyMemory<byte> payload) => new(payload, format, true, null);

    public static LogEnvelopeRead Unchecked(ReadOnlyMemory<byte> payload) => new(payload, State.RouterLogFormat.Oldest, false, null);

    public static LogEnvelopeRead Damaged(string reason) => new(default, 0, false, reason);

    public bool IsDamaged => Damage is not null;
}
