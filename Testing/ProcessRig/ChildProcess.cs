using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// One of our executables run as a real process (`dotnet X.dll args`), or any other program (<see cref="Program"/>),
/// with its own environment. Keeps the last lines of its output for failure messages; kill -9 or SIGTERM; killed
/// on dispose.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly ConcurrentQueue<string> output = new();
    private readonly string dll;
    private readonly string[] arguments;
    private readonly string? program;
    private Process? process;

    public ChildProcess(string dll, IEnumerable<string> arguments, Dictionary<string, string> environment)
        : this(dll, null, arguments, environment)
    {
    }

    private ChildProcess(string file, string? program, IEnumerable<string> arguments, Dictionary<string, string> environment)
    {
        dll = file;
        this.program = program;
        this.arguments = [.. arguments];
        Environment = environment;
    }

    /// <summary>A program that is not one of our dlls (a script, etcd), run as it is.</summary>
    public static ChildProcess Program(string path, IEnumerable<string> arguments, Dictionary<string, string>? environment = null) =>
        new(path, path, arguments, environment ?? []);

    /// <summary>The path of a project's built dll, e.g. Built("Sidecar", "etl-sidecar").</summary>
    public static string Built(string project, string assembly) =>
        Path.Combine(RepositoryRoot.Path, project, "bin", BuildConfiguration, "net10.0", $"{assembly}.dll");

    public Dictionary<string, string> Environment { get; }

    /// <summary>Whether its stdin is a pipe this side writes (<see cref="WriteLineAsync"/>); set before it starts.</summary>
    public bool AcceptsInput { get; set; }

    /// <summary>Where it runs (its working directory), or null for the test's.</summary>
    public string? WorkingDirectory { get; set; }

    public bool IsRunning => process is { HasExited: false };

    public int? ProcessId => IsRunning ? process!.Id : null;

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode => process is { HasExited: true } p ? p.ExitCode : null;

    public string RecentOutput => string.Join('\n', output.TakeLast(40));

    /// <summary>Whether it still runs (or how it exited) and its recent output: what a timed-out wait should show.</summary>
    public string Describe() => $"{(ExitCode is { } code ? $"exited with code {code}" : IsRunning ? "still running" : "not started")}; recent output:\n{RecentOutput}";

    /// <summary>Whether any kept line of output (the last 400) contains the text.</summary>
    public bool HasPrinted(string text) => output.Any(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>The kept lines of output (the last 400) that contain the text.</summary>
    public IReadOnlyList<string> Printed(string text) => output.Where(line => line.Contains(text, StringComparison.Ordinal)).ToList();

    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"{Path.GetFileName(dll)} is already running");
        if (!File.Exists(dll)) throw new FileNotFoundException(program is null ? $"build first (dotnet build): {dll} is missing" : $"{dll} is missing");
        var start = new ProcessStartInfo(program ?? "dotnet", program is null ? [dll, .. arguments] : arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = AcceptsInput,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? string.Empty,
        };
        if (program is null) start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in Environment) start.Environment[key] = value;
        var started = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        started.OutputDataReceived += (_, e) => Keep(e.Data);
        started.ErrorDataReceived += (_, e) => Keep(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
    }

    /// <summary>A line on its stdin (a control command), for a process started with <see cref="AcceptsInput"/>.</summary>
    public async Task WriteLineAsync(string line)
    {
        if (process is not { HasExited: false } p || !AcceptsInput) throw new InvalidOperationException($"{Path.GetFileName(dll)} is not running with its stdin open");
        await p.StandardInput.WriteLineAsync(line);
        await p.StandardInput.FlushAsync();
    }

    /// <summary>kill -9: no shutdown code runs, exactly like a crashed pod.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM, then wait for a clean exit (kill -9 after <paramref name="grace"/>, 15 s unless given).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (process is not { HasExited: false } p) return;
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var wait = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(15));
        try
        {
            await p.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Sends a signal by name (STOP pauses the process, CONT resumes it).</summary>
    public void Signal(string name)
    {
        if (ProcessId is not { } pid) return;
        using var kill = Process.Start("kill", [$"-{name}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>Resident memory now, in bytes (from /proc), or null when the process is gone.</summary>
    public long? ResidentBytes()
    {
        if (ProcessId is not { } pid) return null;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 400) output.TryDequeue(out _);
    }

    public void Dispose()
    {
        Kill();
        process?.Dispose();
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
