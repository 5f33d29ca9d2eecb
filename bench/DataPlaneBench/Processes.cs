using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EtlRouter.Contracts;
using EtlRouter.Contracts.Hosting;

namespace EtlRouter.Bench.DataPlane;

/// <summary>The processes of one measured setup: started, sampled for RSS every 100 ms, killed at the end.</summary>
public sealed class Processes : IDisposable
{
    private readonly List<(string Role, Process Process)> started = [];
    private readonly Dictionary<string, long> peaks = [];
    private readonly Timer sampler;

    public Processes() => sampler = new Timer(_ => Sample(), null, 100, 100);

    public IReadOnlyDictionary<string, long> PeakRss
    {
        get { lock (peaks) return new Dictionary<string, long>(peaks); }
    }

    public void Start(string role, string dll, IEnumerable<string> args, Dictionary<string, string>? env = null) =>
        StartExecutable(role, "dotnet", [dll, .. args], env);

    public void StartExecutable(string role, string file, IEnumerable<string> args, Dictionary<string, string>? env = null, bool serverJit = true)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["DOTNET_gcServer"] = "0";
        // As the injector and the router's StatefulSet start them (ServerJit.props): the raw relays too. A
        // ReadyToRun composite publish runs without it (EtlBinaries).
        if (serverJit) info.Environment[ServerJitEnvironment.Name] = ServerJitEnvironment.Value;
        else info.Environment.Remove(ServerJitEnvironment.Name);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in env ?? []) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var log = BenchLog.For(role);
        process.OutputDataReceived += (_, e) => log.WriteLine(e.Data);
        process.ErrorDataReceived += (_, e) => log.WriteLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (peaks) started.Add((role, process));
    }

    /// <summary>A process's resident set now, in bytes.</summary>
    public long CurrentRss(string role)
    {
        lock (peaks)
        {
            var process = started.Single(s => s.Role == role).Process;
            return (long)(ProcessFigures.RssMiB(process.Id).Now * 1024 * 1024);
        }
    }

    /// <summary>CPU seconds each process has used so far.</summary>
    public Dictionary<string, double> CpuSeconds()
    {
        lock (peaks) return started.ToDictionary(s => s.Role, s => ProcessFigures.CpuSeconds(s.Process.HasExited ? null : s.Process.Id));
    }

    /// <summary>CPU each process used since <paramref name="since"/>, busiest first: where a run's cores went.</summary>
    public string CpuText(Dictionary<string, double> since) => string.Join(", ", CpuSeconds()
        .Select(c => (Role: c.Key, Seconds: c.Value - since.GetValueOrDefault(c.Key)))
        .OrderByDescending(c => c.Seconds)
        .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Role} {c.Seconds:0.0} s")));

    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private void Sample()
    {
        lock (peaks)
        {
            foreach (var (role, process) in started)
            {
                var rss = (long)(ProcessFigures.RssMiB(process.Id).Now * 1024 * 1024);
                peaks[role] = Math.Max(peaks.GetValueOrDefault(role), rss);
            }
        }
    }

    public void Dispose()
    {
        sampler.Dispose();
        foreach (var (_, process) in started)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }
}
