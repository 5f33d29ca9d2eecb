using System.Diagnostics;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// How every setup is measured. Records flow without end (as fast as they go, or at a set rate). After the
/// first one arrives, a warm-up; then a window: delivered records over its length is the throughput, and the
/// latency percentiles are those of the records delivered in it. A run timed from its first record measured
/// start-up too (connections, the JIT, the first credit round trips), which no long-running pipeline pays.
/// </summary>
public sealed record SteadyWindow(TimeSpan Warmup, TimeSpan Length)
{
    /// <summary>15 s and 15 s (quick: 5 s and 5 s); BENCH_WARMUP=seconds sets the warm-up, to see what it changes.</summary>
    public static SteadyWindow For(bool quick)
    {
        var warmup = int.TryParse(Environment.GetEnvironmentVariable("BENCH_WARMUP"), out var seconds) ? seconds : quick ? 5 : 15;
        return new(TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(quick ? 5 : 15));
    }

    /// <summary>Records per second in the window.</summary>
    /// <param name="processes">The setup's processes, for the CPU each used in the window.</param>
    /// <param name="delivered">Records the setup's end has received so far.</param>
    /// <param name="resetLatency">Forgets the latencies seen so far (the warm-up's).</param>
    public async Task<double> MeasureAsync(Processes processes, Func<Task<long>> delivered, Func<Task> resetLatency)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await delivered() == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no record arrived within 60 s");
            await Task.Delay(20);
        }

        await Task.Delay(Warmup);
        await resetLatency();
        var cpu = processes.CpuSeconds();
        var first = await delivered();
        var clock = Stopwatch.StartNew();
        await Task.Delay(Length);
        var last = await delivered();
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  CPU over the {seconds:0.0} s window: {processes.CpuText(cpu)}");
        return (last - first) / seconds;
    }
}
