using System.Diagnostics;

namespace EtlRouter.Bench;

/// <summary>A server process the benchmark starts, kills (-9) and restarts: a router node or an etcd member.</summary>
public sealed class Node(string name, string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string grpcAddress) : IDisposable
{
    private Process? process;

    public string Name => name;

    public string GrpcAddress => grpcAddress;

    public int? ProcessId => IsRunning ? process!.Id : null;

    public IReadOnlyDictionary<string, string> Environment => environment;

    public bool IsRunning
    {
        get
        {
            try
            {
                return process is { HasExited: false };
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    public void Start()
    {
        var start = new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        process = Process.Start(start)!;
        var log = BenchLog.For(name);
        process.OutputDataReceived += (_, e) => log.WriteLine(e.Data);
        process.ErrorDataReceived += (_, e) => log.WriteLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public void Kill()
    {
        if (process is { } p && IsRunning)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        process?.Dispose();
    }
}
