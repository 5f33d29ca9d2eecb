using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Runs the real kubectl, as a user or a GitOps controller would, with a given kubeconfig and a deadline, and
/// returns what it printed. Tests that need it skip when kubectl is not on PATH.
/// </summary>
public sealed class Kubectl(string kubeconfig)
{
    public static string Path => Executables.Find("kubectl") ?? throw Xunit.Sdk.SkipException.ForSkip("kubectl is not on PATH");

    public string Kubeconfig { get; } = kubeconfig;

    /// <summary>Runs `kubectl ARGS` (with <paramref name="input"/> on stdin) and waits up to <paramref name="deadline"/>.</summary>
    public Task<ProcessRun.Result> RunAsync(IEnumerable<string> arguments, string? input = null, TimeSpan? deadline = null) =>
        ProcessRun.RunAsync(
            Path,
            ["--kubeconfig", Kubeconfig, .. arguments],
            deadline ?? TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["KUBECACHEDIR"] = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Kubeconfig)!, ".kube-cache") },
            input: input);

    public Task<ProcessRun.Result> RunAsync(params string[] arguments) => RunAsync(arguments, null);

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
