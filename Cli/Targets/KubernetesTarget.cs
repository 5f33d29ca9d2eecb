using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace EtlRouter.Cli.Targets;

/// <summary>
/// The Kubernetes API server from the kubeconfig (--kubeconfig, else KUBECONFIG, else ~/.kube/config), with
/// --context and the context's namespace (or --namespace). Errors name what was tried.
/// </summary>
internal sealed class KubernetesTarget : IDisposable
{
    private KubernetesTarget(IKubernetes client, string server, string context, string defaultNamespace)
    {
        Client = client;
        Server = server;
        Context = context;
        DefaultNamespace = defaultNamespace;
    }

    public IKubernetes Client { get; }

    public string Server { get; }

    public string Context { get; }

    /// <summary>The namespace used when -n is not given: the context's, else "default".</summary>
    public string DefaultNamespace { get; }

    /// <summary>Whether a kubeconfig would be found (--kubeconfig, KUBECONFIG or ~/.kube/config).</summary>
    public static bool ConfigExists(string? kubeconfigOption, Func<string, string?> environment) =>
        File.Exists(Locate(kubeconfigOption, environment).Path);

    /// <summary>The kubeconfig to read, and what was tried to find it (for the message when it is missing).</summary>
    private static (string Path, string Tried) Locate(string? kubeconfigOption, Func<string, string?> environment)
    {
        if (kubeconfigOption is { Length: > 0 }) return (kubeconfigOption, $"--kubeconfig {kubeconfigOption}");
        if (environment("KUBECONFIG") is { Length: > 0 } variable)
            return (variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists) ?? variable, $"KUBECONFIG={variable}");
        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var path = Path.Combine(home, ".kube", "config");
        return (path, path);
    }

    public static KubernetesTarget Connect(string? kubeconfigOption, string? contextOption, Func<string, string?> environment)
    {
        var (path, tried) = Locate(kubeconfigOption, environment);
        if (!File.Exists(path))
            throw new CliException($"no kubeconfig found (tried {tried}); pass --kubeconfig, or --router (or ETLCTL_ROUTER) for a router without Kubernetes", ExitCodes.Unreachable);

        try
        {
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: contextOption);
            var client = new Kubernetes(config);
            return new KubernetesTarget(client, config.Host, config.CurrentContext ?? contextOption ?? "(current)", config.Namespace is { Length: > 0 } ns ? ns : "default");
        }
        catch (KubeConfigException e)
        {
            throw new CliException($"kubeconfig {path}: {e.Message}{(contextOption is null ? string.Empty : $" (context {contextOption})")}", ExitCodes.Usage);
        }
    }

    /// <summary>Runs an API call, turning transport failures into a message that names the server and context.</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the Kubernetes API server at {Server} (context {Context}): {e.Message}", ExitCodes.Unreachable);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new CliException($"the API server at {Server} refused the request ({(int)e.Response.StatusCode}): {StatusMessage(e)}");
        }
    }

    /// <summary>The message of the metav1.Status an error response carries.</summary>
    public static string StatusMessage(HttpOperationException e)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(e.Response.Content)?["message"]?.ToString() ?? e.Response.Content;
        }
        catch (System.Text.Json.JsonException)
        {
            return e.Response.Content;
        }
    }

    public void Dispose() => Client.Dispose();
}
