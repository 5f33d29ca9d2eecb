using System.Diagnostics;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// Generates JSON records: a fixed rate (records/s, 0 = as fast as asked), a value size, a count (0 = without
/// end) and a seed, so a run can be repeated record for record (<see cref="GeneratedRecords"/> says what they hold).
/// Settings: --rate, --size, --count, --seed, --keyed (true: the key is the user, for partitioning).
/// </summary>
internal sealed class GeneratorSource : PullSource
{
    private readonly long rate;
    private readonly long count;
    private readonly GeneratedRecords records;
    private readonly Stopwatch clock = new();
    private long next;

    public GeneratorSource(ConnectorIdentity identity, ConnectorSettings settings)
    {
        rate = settings.Number("rate", 0);
        count = settings.Number("count", 0);
        records = new GeneratedRecords(
            identity.Name,
            (int)settings.Number("size", 100, 1, 1 << 20),
            (int)settings.Number("seed", 1, int.MinValue, int.MaxValue),
            settings.Text("keyed") == "true");
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
        return records.Make(seq);
    }

    protected override Task WaitForDataAsync(CancellationToken cancellationToken) =>
        Task.Delay(rate > 0 ? TimeSpan.FromMilliseconds(Math.Clamp(1000.0 / rate, 1, 50)) : TimeSpan.FromMilliseconds(50), cancellationToken);
}
