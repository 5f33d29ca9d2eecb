using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Cli.Targets;
using k8s;
using k8s.Autorest;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Resources;

/// <summary>Our custom resources as JSON objects, through the API server's custom objects API.</summary>
internal sealed class CustomResources(KubernetesTarget target)
{
    /// <summary>Objects of a kind in one namespace, or in all when <paramref name="ns"/> is null.</summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(EntityMetadata kind, string? ns, string? labelSelector, CancellationToken cancellationToken)
    {
        var list = await target.CallAsync(() => ns is null
            ? target.Client.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken)
            : target.Client.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken));
        var items = Json(list)["items"] as JsonArray ?? [];
        return items.OfType<JsonObject>()
            .OrderBy(i => i["metadata"]?["namespace"]?.ToString(), StringComparer.Ordinal)
            .ThenBy(i => i["metadata"]?["name"]?.ToString(), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>One object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(EntityMetadata kind, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return Json(await target.CallAsync(() => target.Client.CustomObjects.GetNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, name, cancellationToken)));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates an object; with <paramref name="dryRun"/> the API server checks it (schema, webhooks) and stores nothing.</summary>
    public async Task<JsonObject> CreateAsync(EntityMetadata kind, string ns, JsonObject body, CancellationToken cancellationToken, bool dryRun = false) =>
        Json(await Refused(() => target.CallAsync(() => target.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, kind.Group, kind.Version, ns, kind.Plural, dryRun: DryRunValue(dryRun), cancellationToken: cancellationToken))));

    public async Task<JsonObject> ReplaceAsync(EntityMetadata kind, string ns, string name, JsonObject body, CancellationToken cancellationToken, bool dryRun = false) =>
        Json(await Refused(() => target.CallAsync(() => target.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(body, kind.Group, kind.Version, ns, kind.Plural, name, dryRun: DryRunValue(dryRun), cancellationToken: cancellationToken))));

    /// <summary>Deletes an object (with <paramref name="dryRun"/>, only asks whether it could); false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(EntityMetadata kind, string ns, string name, bool dryRun, CancellationToken cancellationToken)
    {
        try
        {
            await Refused(() => target.CallAsync(() => target.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(kind.Group, kind.Version, ns, kind.Plural, name, dryRun: DryRunValue(dryRun), cancellationToken: cancellationToken)));
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>The events about one object, oldest first.</summary>
    public async Task<IReadOnlyList<k8s.Models.Corev1Event>> EventsAsync(string ns, string kind, string name, CancellationToken cancellationToken)
    {
        var events = await target.CallAsync(() => target.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name},involvedObject.kind={kind}", cancellationToken: cancellationToken));
        return events.Items.OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp).ToList();
    }

    /// <summary>The API server's dryRun parameter: "All" checks everything and persists nothing.</summary>
    private static string? DryRunValue(bool dryRun) => dryRun ? "All" : null;

    private static async Task<object> Refused(Func<Task<object>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is 400 or 409 or 422 or 403)
        {
            throw new CliException(KubernetesTarget.StatusMessage(e));
        }
    }

    private static JsonObject Json(object response) => response switch
    {
        JsonElement element => JsonNode.Parse(element.GetRawText()) as JsonObject ?? [],
        _ => JsonNode.Parse(JsonSerializer.Serialize(response)) as JsonObject ?? [],
    };
}
