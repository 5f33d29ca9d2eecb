using System.Diagnostics;
using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>Runs a program to its end with a deadline and returns its exit code and what it printed (helm, dotnet, stat).</summary>
public static class ProcessRun
{
    public static async Task<Kubectl.Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan deadline, IDictionary<string, string>? environment = null, string? directory = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? string.Empty };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(deadline);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {deadline.TotalSeconds}s");
        }

        return new Kubectl.Result(process.ExitCode, await output, await errors);
    }
}
