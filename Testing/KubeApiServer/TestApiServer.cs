using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>
/// A Kubernetes API server in the test process, on 127.0.0.1 and a free port, that the real
/// KubernetesClient (and so the real operator) talks to unchanged. See README.md for what it does and
/// where it differs from the real one.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private TestApiServer(WebApplication app, ObjectStore store)
    {
        _app = app;
        Store = store;
        Admission = new AdmissionChain(store);
        store.Changed += CollectGarbage;
        store.Changed += ServeCustomResources;
    }

    public ObjectStore Store { get; }

    public FaultInjection Faults { get; } = new();

    /// <summary>The registered admission webhooks, called on create, update and delete.</summary>
    public AdmissionChain Admission { get; }

    /// <summary>What GET /version reports (major, minor): the injector adds native sidecars from 1.29.</summary>
    public (int Major, int Minor) KubernetesVersion { get; set; } = (1, 31);

    public Uri Url { get; private set; } = null!;

    /// <summary>Requests served, by "VERB path" (for tests that assert what the operator asked).</summary>
    public IReadOnlyList<string> RequestLog => _requests.ToList();

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    public static async Task<TestApiServer> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var server = new TestApiServer(app, new ObjectStore());
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    /// <summary>A client configured for this server, as a kubeconfig would configure one.</summary>
    public IKubernetes CreateClient() => new Kubernetes(new KubernetesClientConfiguration { Host = Url.ToString() });

    /// <summary>Ends every open watch (clients resume from their last resourceVersion).</summary>
    public void DropWatches() => Store.DropWatches();

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        Store.DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        try
        {
            if (context.Request.Path.Value?.TrimEnd('/') == "/version")
            {
                var (major, minor) = KubernetesVersion;
                await WriteAsync(context, HttpStatusCode.OK, new JsonObject { ["major"] = $"{major}", ["minor"] = $"{minor}", ["gitVersion"] = $"v{major}.{minor}.0", ["platform"] = "linux/amd64" });
                return;
            }

            if (context.Request.Path.Value?.TrimEnd('/') == "/apis")
            {
                await ListGroupsAsync(context);
                return;
            }

            var route = ApiRoute.Parse(context.Request.Path.Value ?? "/", Store);
            if (route is null)
            {
                await WriteAsync(context, HttpStatusCode.NotFound, ApiError.Status(404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})"));
                return;
            }

            await DispatchAsync(context, route);
        }
        catch (ApiError e)
        {
            await WriteAsync(context, e.Code, e.ToStatus());
        }
        catch (System.Text.Json.JsonException e)
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, ApiError.Status(400, "BadRequest", $"the body is not valid JSON: {e.Message}"));
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    // Discovery (GET /apis): every group with the versions the server serves, as the operator asks before it
    // chooses which version of a group to write.
    private async Task ListGroupsAsync(HttpContext context)
    {
        JsonObject Version(string group, string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        JsonObject Group(string group, IReadOnlyList<string> versions) => new()
        {
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Version(group, v))]),
            ["preferredVersion"] = Version(group, versions[^1]),
        };

        await WriteAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = new JsonArray([.. Store.Groups().Select(g => (JsonNode)Group(g, Store.VersionsOf(g)))]),
        });
    }

    private async Task DispatchAsync(HttpContext context, ApiRoute route)
    {
        var request = context.Request;
        var query = request.Query;
        // dryRun=All: admission and validation run as for a real request; nothing is stored.
        var dryRun = query["dryRun"] == "All";
        switch (request.Method)
        {
            case "GET" when route.Name is null && query["watch"] is var w && (w == "true" || w == "1"):
                await WatchAsync(context, route);
                return;
            case "GET" when route.Name is null:
                var filter = Filter(query);
                var (items, version) = Store.List(route.Type, route.Namespace, filter);
                await WriteAsync(context, HttpStatusCode.OK, new JsonObject
                {
                    ["apiVersion"] = route.Type.ApiVersion,
                    ["kind"] = route.Type.Kind + "List",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray(items.Cast<JsonNode?>().ToArray()),
                });
                return;
            case "GET":
                await WriteAsync(context, HttpStatusCode.OK, Store.Get(route.Type, route.Namespace, route.Name!));
                return;
            case "POST" when route.Name is null:
                var created = await Admission.AdmitAsync(route.Type, route.Namespace, "CREATE", await ReadBodyAsync(context), null, null, context.RequestAborted);
                await WriteAsync(context, HttpStatusCode.Created, dryRun ? created : Store.Create(route.Type, route.Namespace, created));
                return;
            case "PUT" when route.Name is not null:
                if (route.Subresource == "status" && Faults.TakeStatusConflict())
                    throw ApiError.Conflict(route.Type, route.Name, "the object has been modified; please apply your changes to the latest version and try again");
                var replacement = await ReadBodyAsync(context);
                if (route.Subresource is null)
                    replacement = await Admission.AdmitAsync(route.Type, route.Namespace, "UPDATE", replacement, Store.Get(route.Type, route.Namespace, route.Name), null, context.RequestAborted);
                await WriteAsync(context, HttpStatusCode.OK, dryRun ? replacement : Store.Update(route.Type, route.Namespace, route.Name, replacement, route.Subresource == "status"));
                return;
            case "PATCH" when route.Name is not null:
                await WriteAsync(context, HttpStatusCode.OK, await PatchAsync(context, route));
                return;
            case "DELETE" when route.Name is not null:
                var doomed = Store.Get(route.Type, route.Namespace, route.Name);
                await Admission.AdmitAsync(route.Type, route.Namespace, "DELETE", doomed, doomed, null, context.RequestAborted);
                await WriteAsync(context, HttpStatusCode.OK, dryRun ? doomed : Store.Delete(route.Type, route.Namespace, route.Name));
                return;
            default:
                throw new ApiError(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{request.Method} is not supported on {request.Path}");
        }
    }

    private async Task<JsonObject> PatchAsync(HttpContext context, ApiRoute route)
    {
        var contentType = context.Request.ContentType?.Split(';')[0].Trim() ?? string.Empty;
        var text = await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
        var patch = JsonNode.Parse(text);
        var statusOnly = route.Subresource == "status";
        if (statusOnly && Faults.TakeStatusConflict())
            throw ApiError.Conflict(route.Type, route.Name!, "the object has been modified; please apply your changes to the latest version and try again");

        var current = Store.Get(route.Type, route.Namespace, route.Name!);
        var currentVersion = current["metadata"]!["resourceVersion"]!.ToString();
        JsonNode? patched = contentType switch
        {
            "application/json-patch+json" => Patches.Apply(current, patch as JsonArray ?? throw ApiError.BadRequest("a json patch must be an array of operations")),
            "application/merge-patch+json" or "application/strategic-merge-patch+json" => Patches.Merge(current, patch),
            _ => throw new ApiError(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the patch type {contentType} is not supported"),
        };

        if (patched is not JsonObject result)
            throw ApiError.BadRequest("the patch did not produce an object");

        // A resourceVersion in the patch is a precondition; absent, the patch applies to the current version.
        var wanted = result["metadata"]?["resourceVersion"]?.ToString();
        if (string.IsNullOrEmpty(wanted))
            result["metadata"]!["resourceVersion"] = currentVersion;
        else if (wanted != currentVersion)
            throw ApiError.Conflict(route.Type, route.Name!, "the object has been modified; please apply your changes to the latest version and try again");

        if (!statusOnly)
            result = await Admission.AdmitAsync(route.Type, route.Namespace, "UPDATE", result, current, null, context.RequestAborted);
        return Store.Update(route.Type, route.Namespace, route.Name!, result, statusOnly);
    }

    private async Task WatchAsync(HttpContext context, ApiRoute route)
    {
        if (Faults.WatchesUnavailable)
            throw new ApiError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "watches are unavailable (injected fault)");

        var query = context.Request.Query;
        var subscription = Store.Watch(route.Type, route.Namespace, query["resourceVersion"], Filter(query));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        var output = context.Response.Body;

        if (subscription.Gone)
        {
            // The real API server answers a compacted version inside the stream, then closes it.
            var status = ApiError.Status(410, "Expired", $"too old resource version: {query["resourceVersion"]} ({Store.CurrentVersion})");
            await WriteLineAsync(output, new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString(), context.RequestAborted);
            return;
        }

        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        stop.CancelAfter(timeout);
        try
        {
            foreach (var change in subscription.Replay)
                await WriteLineAsync(output, change.ToLine(), stop.Token);
            await foreach (var change in subscription.Live!.ReadAllAsync(stop.Token))
                await WriteLineAsync(output, change.ToLine(), stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: end the stream as the real server does.
        }
        finally
        {
            subscription.Close();
        }
    }

    private static async Task WriteLineAsync(Stream output, string line, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private static Func<JsonObject, bool> Filter(IQueryCollection query)
    {
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        return o => labels(o) && fields(o);
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        return node as JsonObject ?? throw ApiError.BadRequest("the body must be a JSON object");
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode code, JsonObject body)
    {
        if (context.Response.HasStarted)
            return;
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    // A stored CustomResourceDefinition (created or updated, by any path) makes its kinds served.
    private void ServeCustomResources(WatchEvent change)
    {
        if (change.Type == "DELETED" || change.Object["kind"]?.ToString() != "CustomResourceDefinition")
            return;
        var spec = change.Object["spec"]!;
        foreach (var version in spec["versions"] as JsonArray ?? [])
        {
            if (version?["served"]?.GetValue<bool>() != true)
                continue;
            Store.Register(new ResourceType(
                spec["group"]!.ToString(),
                version["name"]!.ToString(),
                spec["names"]!["plural"]!.ToString(),
                spec["names"]!["kind"]!.ToString(),
                spec["scope"]?.ToString() != "Cluster",
                version["subresources"]?["status"] is not null));
        }
    }

    // The garbage collector: when an object is deleted, its dependents (by ownerReferences) are deleted too.
    private void CollectGarbage(WatchEvent change)
    {
        if (change.Type != "DELETED" || change.Object["metadata"]?["uid"]?.ToString() is not { } uid)
            return;
        _ = Task.Run(() =>
        {
            foreach (var (type, ns, name) in Store.Dependents(uid))
            {
                try
                {
                    Store.Delete(type, ns.Length == 0 ? null : ns, name);
                }
                catch (ApiError)
                {
                    // Already gone.
                }
            }
        });
    }
}
