using EtlRouter.Cli;
using EtlRouter.Testing.KubeApiServer;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Runs etlctl in the test process, as a user would type it, with its own environment (a kubeconfig for the
/// test API server, ETLCTL_ROUTER) and a plain 110-column console; returns the exit code and what it printed.
/// </summary>
public sealed class EtlCtlRunner(Dictionary<string, string> environment)
{
    public const int Width = 110;

    /// <summary>The environment etlctl sees; it presents the tests' admin certificate unless a test sets ETLCTL_TLS_DIR.</summary>
    public Dictionary<string, string> Environment { get; } = WithAdminCertificate(environment);

    public static EtlCtlRunner Offline() => new(new Dictionary<string, string> { ["HOME"] = Path.Combine(Path.GetTempPath(), "etlctl-no-home") });

    /// <summary>A runner whose kubeconfig names the test API server (context "test", namespace default).</summary>
    public static EtlCtlRunner For(TestApiServer api, string directory)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster: {"{"}server: "{api.Url}"{"}"}
            users:
            - name: test
              user: {"{"}token: test{"}"}
            contexts:
            - name: test
              context: {"{"}cluster: test, user: test, namespace: default{"}"}
            current-context: test
            """);
        return new EtlCtlRunner(new Dictionary<string, string> { ["KUBECONFIG"] = path, ["HOME"] = directory });
    }

    public async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args) => await RunWithInputAsync(string.Empty, args);

    public async Task<(int Exit, string Out, string Error)> RunWithInputAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = CliConsole.Plain(output, error, Width, name => Environment.GetValueOrDefault(name), new StringReader(input));
        var exit = await EtlCtl.RunAsync(args, console, Xunit.TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private static Dictionary<string, string> WithAdminCertificate(Dictionary<string, string> environment)
    {
        environment.TryAdd("ETLCTL_TLS_DIR", TestCertificates.DirectoryFor(TestCertificates.Admin));
        return environment;
    }
}
