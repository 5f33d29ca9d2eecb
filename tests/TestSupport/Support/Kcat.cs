namespace EtlRouter.Tests.Support;

/// <summary>
/// Debian's kcat (kafkacat), a Kafka client nobody here wrote: it produces to and reads back from the test broker,
/// so the connectors are checked against a client of their own. Tests that need it skip with the reason without it.
/// </summary>
public static class Kcat
{
    public static string Require() => Executables.Find("kcat") ?? throw Xunit.Sdk.SkipException.ForSkip(
        "kcat is not installed (Debian package kafkacat): `make test` installs it as root; install it to run the Kafka tests");

    /// <summary>Produces one message per KEY:VALUE line (no key when KEY is empty), partitioned by key as any producer does.</summary>
    public static async Task ProduceAsync(string bootstrap, string topic, IEnumerable<(string Key, string Value)> messages)
    {
        var lines = string.Join('\n', messages.Select(m => $"{m.Key}\t{m.Value}")) + "\n";
        var result = await ProcessRun.RunAsync(Require(), ["-b", bootstrap, "-t", topic, "-P", "-K", "\t", "-X", "enable.idempotence=true"], TimeSpan.FromSeconds(60), input: lines);
        if (!result.Succeeded) throw new InvalidOperationException($"kcat could not produce to {topic}: {result}");
    }

    /// <summary>Reads the whole topic from the beginning: key, value, partition and offset of every message.</summary>
    public static async Task<IReadOnlyList<(string Key, string Value, int Partition, long Offset)>> ReadAllAsync(string bootstrap, string topic)
    {
        var result = await ProcessRun.RunAsync(Require(), ["-b", bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q", "-f", "%k\t%p\t%o\t%s\n"], TimeSpan.FromSeconds(60));
        if (!result.Succeeded) throw new InvalidOperationException($"kcat could not read {topic}: {result}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 4))
            .Select(f => (f[0], f[3], int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }
}
