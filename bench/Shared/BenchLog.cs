namespace EtlRouter.Bench;

/// <summary>
/// Where a started process's output goes: BENCH_LOG_DIR/NAME.log when that variable is set (warnings, a crash's
/// stack trace), otherwise nowhere (it is still drained, so the process never blocks on a full pipe).
/// </summary>
public static class BenchLog
{
    public static TextWriter For(string name) => Environment.GetEnvironmentVariable("BENCH_LOG_DIR") is { Length: > 0 } dir
        ? TextWriter.Synchronized(new StreamWriter(Path.Combine(Directory.CreateDirectory(dir).FullName, $"{name}.log"), append: true) { AutoFlush = true })
        : TextWriter.Null;
}
