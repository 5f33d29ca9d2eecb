using System.Diagnostics;
using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>Runs a program to its end with a deadline and returns its exit code and what it printed (kubectl, helm, dotnet, stat).</summary>
public static class ProcessRun
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public bool Succeeded => ExitCode == 0;

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Errors}";
    }

    /// <summary>Runs <paramref name="file"/> (with <paramref name="input"/> on stdin) and waits up to <paramref name="deadline"/>.</summary>
    public static async Task<Result> RunAsync(
        string file,
        IEnumerable<string> arguments,
        TimeSpan deadline,
        IDictionary<string, string>? environment = null,
        string? directory = null,
        string? input = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            WorkingDirectory = directory ?? string.Empty,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(deadline);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{System.IO.Path.GetFileName(file)} {string.Join(' ', arguments)} did not finish within {deadline.TotalSeconds}s");
        }

        return new Result(process.ExitCode, await output, await errors);
    }
}
