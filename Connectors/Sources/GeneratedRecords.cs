using System.Globalization;
using System.Text.Unicode;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// The generator's records: JSON with name, email, phone, card, status, country and amount (work for the filter
/// and mask-PII connectors), padded to <paramref name="size"/> bytes. Ids are <c>&lt;name&gt;-&lt;seq&gt;</c>.
/// The benchmark's reference chains make their records here too, so every setup moves the same bytes.
/// </summary>
public sealed class GeneratedRecords(string name, int size, int seed, bool keyed)
{
    private static readonly string[] Countries = ["DE", "FR", "US", "BR", "JP", "IN", "NG", "SE"];

    /// <summary>
    /// One record, a function of (seed, seq) alone, so a redelivered or repeated record is the same bytes. The
    /// JSON is written as UTF-8 straight into a stack buffer: this runs once per record, and the generator was
    /// the busiest process of the benchmark when it built strings through a StringBuilder and a seeded Random.
    /// </summary>
    public Record Make(long seq)
    {
        var random = new SplitMix64(seed, seq);
        var user = 1 + (int)random.Below(99_999);
        Span<byte> buffer = size + 256 <= 4096 ? stackalloc byte[size + 256] : new byte[size + 256];
        var country = Countries[random.Below((ulong)Countries.Length)];
        var status = random.Below(4) == 0 ? "inactive" : "active";
        var cents = random.Below(10_000_000);
        var written = Utf8.TryWrite(buffer, CultureInfo.InvariantCulture,
            $"{{\"seq\":{seq},\"user\":\"user-{user}\",\"email\":\"user{user}@example.com\",\"phone\":\"+1-555-{100 + random.Below(900)}-{1000 + random.Below(9000)}\",\"card\":\"4111 1111 1111 1111\",\"status\":\"{status}\",\"country\":\"{country}\",\"amount\":{cents / 100}.{cents % 100:D2}",
            out var length);
        if (!written) throw new InvalidOperationException("the generator's record buffer is too small");
        var padding = size - length - 10;
        if (padding > 0)
        {
            ",\"pad\":\""u8.CopyTo(buffer[length..]);
            buffer.Slice(length + 8, padding).Fill((byte)'x');
            length += 8 + padding;
            buffer[length++] = (byte)'"';
        }

        buffer[length++] = (byte)'}';
        return new Record
        {
            Id = $"{name}-{seq}",
            Key = keyed ? $"user-{user}" : "",
            Value = ByteString.CopyFrom(buffer[..length]),
            EventTime = Timestamp.FromDateTime(DateTime.UtcNow),
            Origin = new RecordOrigin { Source = name, Offset = seq.ToString("D12", CultureInfo.InvariantCulture) },
        };
    }

    /// <summary>SplitMix64 (Steele, Lea and Flood): a tiny, well-mixed generator seeded per record.</summary>
    private struct SplitMix64(int seed, long seq)
    {
        private ulong state = ((ulong)(uint)seed << 32) ^ (ulong)seq * 0x9E3779B97F4A7C15UL;

        public ulong Below(ulong bound)
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (z ^ (z >> 31)) % bound;
        }
    }
}
