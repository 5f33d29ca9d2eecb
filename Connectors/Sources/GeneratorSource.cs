using System.Diagnostics;
using System.Globalization;
using System.Text;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// Generates JSON records: a fixed rate (records/s, 0 = as fast as asked), a value size, a count (0 = without
/// end) and a seed, so a run can be repeated record for record. Ids are <c>&lt;name&gt;-&lt;seq&gt;</c>; the
/// fields (name, email, phone, card, status, country, amount) give the filter and mask-PII connectors work.
/// Settings: --rate, --size, --count, --seed, --keyed (true: the key is the user, for partitioning).
/// </summary>
public sealed class GeneratorSource : PullSource
{
    private static readonly string[] Countries = ["DE", "FR", "US", "BR", "JP", "IN", "NG", "SE"];
    private readonly string name;
    private readonly long rate;
    private readonly int size;
    private readonly long count;
    private readonly int seed;
    private readonly bool keyed;
    private readonly Stopwatch clock = new();
    private long next;

    public GeneratorSource(ConnectorIdentity identity, ConnectorSettings settings)
    {
        name = identity.Name;
        rate = settings.Number("rate", 0);
        size = (int)settings.Number("size", 100, 1, 1 << 20);
        count = settings.Number("count", 0);
        seed = (int)settings.Number("seed", 1, int.MinValue, int.MaxValue);
        keyed = settings.Text("keyed") == "true";
    }

    /// <summary>Records created so far (not counting redeliveries).</summary>
    public long Generated => Interlocked.Read(ref next);

    protected override bool Exhausted => count > 0 && Interlocked.Read(ref next) >= count;

    protected override bool Ready
    {
        get
        {
            var seq = Interlocked.Read(ref next);
            return (count == 0 || seq < count) && (rate == 0 || seq < Allowed);
        }
    }

    /// <summary>Records the rate allows by now; the clock starts at the first read, so start-up time is no burst.</summary>
    private long Allowed => (long)(clock.Elapsed.TotalSeconds * rate) + Math.Min(rate, 100);

    protected override Record? Next(MapField<string, string> options)
    {
        if (!clock.IsRunning) clock.Start();
        if (!Ready) return null;
        var seq = Interlocked.Read(ref next);
        Interlocked.Increment(ref next);
        return Make(seq);
    }

    protected override Task WaitForDataAsync(CancellationToken cancellationToken) =>
        Task.Delay(rate > 0 ? TimeSpan.FromMilliseconds(Math.Clamp(1000.0 / rate, 1, 50)) : TimeSpan.FromMilliseconds(50), cancellationToken);

    private Record Make(long seq)
    {
        var random = new Random(HashCode.Combine(seed, seq));
        var user = random.Next(1, 100_000);
        var json = new StringBuilder(size + 64);
        json.Append(CultureInfo.InvariantCulture, $"{{\"seq\":{seq},\"user\":\"user-{user}\",\"email\":\"user{user}@example.com\",");
        json.Append(CultureInfo.InvariantCulture, $"\"phone\":\"+1-555-{random.Next(100, 999)}-{random.Next(1000, 9999)}\",\"card\":\"4111 1111 1111 1111\",");
        json.Append(CultureInfo.InvariantCulture, $"\"status\":\"{(random.Next(4) == 0 ? "inactive" : "active")}\",\"country\":\"{Countries[random.Next(Countries.Length)]}\",");
        json.Append(CultureInfo.InvariantCulture, $"\"amount\":{random.Next(0, 100_000) / 100.0}");
        var padding = size - json.Length - 10;
        if (padding > 0) json.Append(",\"pad\":\"").Append('x', padding).Append('"');
        json.Append('}');
        return new Record
        {
            Id = $"{name}-{seq}",
            Key = keyed ? $"user-{user}" : "",
            Value = ByteString.CopyFromUtf8(json.ToString()),
            EventTime = Timestamp.FromDateTime(DateTime.UtcNow),
            Origin = new RecordOrigin { Source = name, Offset = seq.ToString("D12", CultureInfo.InvariantCulture) },
        };
    }
}
