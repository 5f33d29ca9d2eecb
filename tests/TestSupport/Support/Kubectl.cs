using System.Diagnostics;
using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Runs the real kubectl, as a user or a GitOps controller would, with a given kubeconfig and a deadline, and
/// returns what it printed. Tests that need it skip when kubectl is not on PATH.
/// </summary>
public sealed class Kubectl(string kubeconfig)
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public bool Succeeded => ExitCode == 0;

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Errors}";
    }

    public static string Path => Executables.Find("kubectl") ?? throw Xunit.Sdk.SkipException.ForSkip("kubectl is not on PATH");

    public string Kubeconfig { get; } = kubeconfig;

    /// <summary>Runs `kubectl ARGS` (with <paramref name="input"/> on stdin) and waits up to <paramref name="deadline"/>.</summary>
    public async Task<Result> RunAsync(IEnumerable<string> arguments, string? input = null, TimeSpan? deadline = null)
    {
        var start = new ProcessStartInfo(Path, ["--kubeconfig", Kubeconfig, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.Environment["KUBECACHEDIR"] = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Kubeconfig)!, ".kube-cache");
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(deadline ?? TimeSpan.FromSeconds(60));
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
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish within {(deadline ?? TimeSpan.FromSeconds(60)).TotalSeconds}s");
        }

        return new Result(process.ExitCode, await output, await errors);
    }

    public Task<Result> RunAsync(params string[] arguments) => RunAsync(arguments, null);

    /// <summary>`kubectl apply -f -` of <paramref name="yaml"/> (with more arguments, e.g. --server-side); fails the test when refused.</summary>
    public async Task<string> ApplyAsync(string yaml, params string[] arguments)
    {
        var result = await RunAsync(["apply", "-f", "-", .. arguments], yaml);
        Assert.True(result.Succeeded, $"kubectl apply {string.Join(' ', arguments)} failed: {result}\n{yaml}");
        return result.Output;
    }

    /// <summary>Runs kubectl and fails the test, showing what it printed, when it exits non-zero.</summary>
    public async Task<string> MustAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments, null);
        Assert.True(result.Succeeded, $"kubectl {string.Join(' ', arguments)} failed: {result}");
        return result.Output;
    }
}
