using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Runs the real helm (v4) on the repository's chart. `make test` fetches it (scripts/helm) and passes its path
/// as ETL_TEST_HELM; without it, the tests that need it skip and say why.
/// </summary>
public static class Helm
{
    public const string Variable = "ETL_TEST_HELM";

    public static string ChartPath => System.IO.Path.Combine(RepositoryRoot.Path, "helm", "etl-router");

    public static string Path =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path && File.Exists(path)
            ? path
            : throw Xunit.Sdk.SkipException.ForSkip($"{Variable} is not set: run the tests with `make test`, which fetches helm (scripts/helm path), or point it at a helm binary");

    /// <summary>Runs `helm ARGS` with a deadline and returns its exit code and output.</summary>
    public static async Task<ProcessRun.Result> RunAsync(params string[] arguments)
    {
        // No user's helm config or cache leaks in, and nothing is written outside the test's own directory.
        var home = Directory.CreateTempSubdirectory("etl-helm-").FullName;
        try
        {
            var environment = new[] { "HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME" }.ToDictionary(v => v, v => System.IO.Path.Combine(home, v));
            return await ProcessRun.RunAsync(Path, arguments, TimeSpan.FromSeconds(60), environment);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>`helm template` of the chart into namespace etl-system with the given extra arguments; fails the test when refused.</summary>
    public static async Task<string> TemplateAsync(params string[] arguments)
    {
        var result = await RunAsync(["template", "etl", ChartPath, "--namespace", "etl-system", .. arguments]);
        Assert.True(result.Succeeded, $"helm template {string.Join(' ', arguments)} failed: {result}");
        return result.Output;
    }

    /// <summary>Every switch the chart has, turned on.</summary>
    public static readonly string[] AllSwitches =
    [
        "--set", "webhook.certManager.enabled=true",
        "--set", "metrics.serviceMonitor.enabled=true",
        "--set", "metrics.grafanaDashboard.enabled=true",
        "--set", "image.pullSecrets[0].name=regcred",
    ];
}
