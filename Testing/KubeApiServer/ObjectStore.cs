using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>
/// The server's etcd: objects by kind, namespace and name, one global resourceVersion counter, and a
/// bounded history of changes that watches resume from. Every mutation holds one lock, so versions and
/// events are totally ordered, as they are in etcd.
/// </summary>
public sealed class ObjectStore
{
    private const int HistoryLimit = 20_000;

    private readonly object _lock = new();
    private readonly Dictionary<string, ResourceType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, string Ns, string Name), JsonObject> _objects = new();
    private readonly LinkedList<WatchEvent> _history = new();
    private readonly List<Subscriber> _subscribers = [];
    private long _version = 1000;
    private long _oldestWatchable = 0;

    public ObjectStore()
    {
        foreach (var type in ResourceType.BuiltIn())
            _types[type.Key] = type;
    }

    /// <summary>Raised (under the store lock) after every change; the server's admission and cascade use it.</summary>
    internal event Action<WatchEvent>? Changed;

    public long CurrentVersion
    {
        get
        {
            lock (_lock)
                return _version;
        }
    }

    public ResourceType? FindType(string group, string version, string plural)
    {
        lock (_lock)
            return _types.GetValueOrDefault($"{group}/{version}/{plural}");
    }

    /// <summary>The served type of an apiVersion and kind, as a manifest names it.</summary>
    public ResourceType? FindKind(string apiVersion, string kind)
    {
        lock (_lock)
            return _types.Values.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);
    }

    /// <summary>The named API groups the server serves (the core group "" is not one of them).</summary>
    public IReadOnlyList<string> Groups()
    {
        lock (_lock)
            return _types.Values.Select(t => t.Group).Where(g => g.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The versions of an API group the server serves, oldest name first.</summary>
    public IReadOnlyList<string> VersionsOf(string group)
    {
        lock (_lock)
            return _types.Values.Where(t => t.Group == group).Select(t => t.Version).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public void Register(ResourceType type)
    {
        lock (_lock)
            _types[type.Key] = type;
    }

    /// <summary>Forgets the history: watches from any version seen so far get 410 Gone and must list again.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _oldestWatchable = _version + 1;
        }
    }

    public JsonObject Get(ResourceType type, string? ns, string name)
    {
        lock (_lock)
            return (JsonObject)Find(type, ns, name).DeepClone();
    }

    public (List<JsonObject> Items, long Version) List(ResourceType type, string? ns, Func<JsonObject, bool> filter)
    {
        lock (_lock)
        {
            var items = _objects
                .Where(o => o.Key.Type == type.Key && (ns is null || o.Key.Ns == ns))
                .Select(o => o.Value)
                .Where(filter)
                .OrderBy(o => o["metadata"]!["namespace"]?.ToString(), StringComparer.Ordinal)
                .ThenBy(o => o["metadata"]!["name"]!.ToString(), StringComparer.Ordinal)
                .Select(o => (JsonObject)o.DeepClone())
                .ToList();
            return (items, _version);
        }
    }

    public JsonObject Create(ResourceType type, string? ns, JsonObject body)
    {
        lock (_lock)
        {
            var metadata = body["metadata"] as JsonObject ?? new JsonObject();
            body["metadata"] = metadata;
            var name = metadata["name"]?.ToString();
            if (string.IsNullOrEmpty(name) && metadata["generateName"]?.ToString() is { Length: > 0 } prefix)
                name = prefix + Guid.NewGuid().ToString("N")[..5];
            if (string.IsNullOrEmpty(name))
                throw ApiError.Invalid($"{type.Kind}: metadata.name: Required value: name or generateName is required");
            if (type.Namespaced && metadata["namespace"]?.ToString() is { } bodyNs && bodyNs != ns)
                throw ApiError.BadRequest($"the namespace of the provided object ({bodyNs}) does not match the namespace sent on the request ({ns})");

            var key = (type.Key, type.Namespaced ? ns ?? "default" : string.Empty, name);
            if (_objects.ContainsKey(key))
                throw ApiError.AlreadyExists(type, name);

            metadata["name"] = name;
            if (type.Namespaced)
                metadata["namespace"] = key.Item2;
            else
                metadata.Remove("namespace");
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Now();
            metadata["generation"] = 1;
            metadata.Remove("deletionTimestamp");
            metadata.Remove("resourceVersion");
            body["apiVersion"] = type.ApiVersion;
            body["kind"] = type.Kind;
            if (type.HasStatus && type.Group != "")
                body.Remove("status");

            return Store(type, key, body, "ADDED");
        }
    }

    /// <summary>PUT: the whole object, or only its status when <paramref name="statusOnly"/>.</summary>
    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, bool statusOnly)
    {
        lock (_lock)
        {
            var key = Key(type, ns, name);
            var existing = Find(type, ns, name);
            var sentVersion = body["metadata"]?["resourceVersion"]?.ToString();
            if (!string.IsNullOrEmpty(sentVersion) && sentVersion != existing["metadata"]!["resourceVersion"]!.ToString())
                throw ApiError.Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

            JsonObject updated;
            if (statusOnly)
            {
                updated = (JsonObject)existing.DeepClone();
                updated.Remove("status");
                if (body["status"] is { } status)
                    updated["status"] = status.DeepClone();
            }
            else
            {
                updated = (JsonObject)body.DeepClone();
                var metadata = updated["metadata"] as JsonObject ?? new JsonObject();
                updated["metadata"] = metadata;
                var old = (JsonObject)existing["metadata"]!;
                foreach (var preserved in new[] { "uid", "creationTimestamp", "deletionTimestamp", "generation", "namespace", "name" })
                {
                    if (old[preserved] is { } value)
                        metadata[preserved] = value.DeepClone();
                    else
                        metadata.Remove(preserved);
                }

                updated["apiVersion"] = type.ApiVersion;
                updated["kind"] = type.Kind;
                updated.Remove("status");
                if (type.HasStatus && existing["status"] is { } kept)
                    updated["status"] = kept.DeepClone();
                if (SpecChanged(existing, updated))
                    metadata["generation"] = Number(old["generation"]) + 1;
            }

            // A deleting object whose last finalizer was removed is gone.
            if (updated["metadata"]!["deletionTimestamp"] is not null && (updated["metadata"]!["finalizers"] as JsonArray ?? []).Count == 0)
                return Remove(type, key, updated);

            return Store(type, key, updated, "MODIFIED");
        }
    }

    public JsonObject Delete(ResourceType type, string? ns, string name)
    {
        lock (_lock)
        {
            var key = Key(type, ns, name);
            var existing = (JsonObject)Find(type, ns, name).DeepClone();
            var metadata = (JsonObject)existing["metadata"]!;
            if ((metadata["finalizers"] as JsonArray ?? []).Count > 0)
            {
                if (metadata["deletionTimestamp"] is not null)
                    return existing;
                metadata["deletionTimestamp"] = Now();
                metadata["deletionGracePeriodSeconds"] = 0;
                metadata["generation"] = Number(metadata["generation"]) + 1;
                return Store(type, key, existing, "MODIFIED");
            }

            return Remove(type, key, existing);
        }
    }

    /// <summary>Opens a watch from a resourceVersion ("" or "0": the current state as ADDED events first).</summary>
    public Subscription Watch(ResourceType type, string? ns, string? fromVersion, Func<JsonObject, bool> filter)
    {
        lock (_lock)
        {
            var subscriber = new Subscriber(type.Key, ns, filter);
            var initial = new List<WatchEvent>();
            if (string.IsNullOrEmpty(fromVersion) || fromVersion == "0")
            {
                initial.AddRange(_objects
                    .Where(o => o.Key.Type == type.Key && (ns is null || o.Key.Ns == ns) && filter(o.Value))
                    .Select(o => new WatchEvent(_version, type.Key, o.Key.Ns, "ADDED", (JsonObject)o.Value.DeepClone())));
            }
            else
            {
                if (!long.TryParse(fromVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                    throw ApiError.BadRequest($"invalid resourceVersion '{fromVersion}'");
                if (from < _oldestWatchable - 1)
                    return new Subscription(null, [], () => { }, Gone: true);
                initial.AddRange(_history.Where(e => e.ResourceVersion > from && subscriber.Matches(e)));
            }

            _subscribers.Add(subscriber);
            return new Subscription(subscriber.Channel.Reader, initial, () =>
            {
                lock (_lock)
                    _subscribers.Remove(subscriber);
                subscriber.Channel.Writer.TryComplete();
            });
        }
    }

    /// <summary>Ends every open watch, as an API server restart does; clients resume from their last version.</summary>
    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var subscriber in _subscribers)
                subscriber.Channel.Writer.TryComplete();
            _subscribers.Clear();
        }
    }

    /// <summary>Objects whose ownerReferences name the given uid (for the garbage collector).</summary>
    internal List<(ResourceType Type, string Ns, string Name)> Dependents(string uid)
    {
        lock (_lock)
        {
            return _objects
                .Where(o => (o.Value["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(r => r?["uid"]?.ToString() == uid))
                .Select(o => (_types[o.Key.Type], o.Key.Ns, o.Key.Name))
                .ToList();
        }
    }

    private JsonObject Find(ResourceType type, string? ns, string name) =>
        _objects.TryGetValue(Key(type, ns, name), out var found) ? found : throw ApiError.NotFound(type, name);

    private static (string, string, string) Key(ResourceType type, string? ns, string name) =>
        (type.Key, type.Namespaced ? ns ?? "default" : string.Empty, name);

    private JsonObject Store(ResourceType type, (string, string, string) key, JsonObject obj, string eventType)
    {
        obj["metadata"]!["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
        _objects[key] = obj;
        Publish(new WatchEvent(_version, type.Key, key.Item2, eventType, (JsonObject)obj.DeepClone()));
        return (JsonObject)obj.DeepClone();
    }

    private JsonObject Remove(ResourceType type, (string, string, string) key, JsonObject last)
    {
        _objects.Remove(key);
        last["metadata"]!["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
        Publish(new WatchEvent(_version, type.Key, key.Item2, "DELETED", (JsonObject)last.DeepClone()));
        return last;
    }

    private void Publish(WatchEvent change)
    {
        _history.AddLast(change);
        while (_history.Count > HistoryLimit)
        {
            _oldestWatchable = _history.First!.Value.ResourceVersion + 1;
            _history.RemoveFirst();
        }

        foreach (var subscriber in _subscribers.Where(s => s.Matches(change)))
            subscriber.Channel.Writer.TryWrite(change);
        Changed?.Invoke(change);
    }

    // Everything but metadata and status is "spec" for the purpose of metadata.generation.
    private static bool SpecChanged(JsonObject before, JsonObject after)
    {
        static string Body(JsonObject o) => new JsonObject(o.Where(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString();
        return Body(before) != Body(after);
    }

    private static long Number(JsonNode? node) =>
        node is null ? 0 : long.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private sealed class Subscriber(string typeKey, string? ns, Func<JsonObject, bool> filter)
    {
        public Channel<WatchEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<WatchEvent>();

        public bool Matches(WatchEvent change) =>
            change.TypeKey == typeKey && (ns is null || change.Namespace == ns) && filter(change.Object);
    }
}

/// <summary>An open watch: events to replay first, then live ones; Gone when the version was compacted.</summary>
public sealed record Subscription(ChannelReader<WatchEvent>? Live, IReadOnlyList<WatchEvent> Replay, Action Close, bool Gone = false);
