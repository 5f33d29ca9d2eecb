namespace EtlRouter.Testing.KubeApiServer;

/// <summary>
/// A request path taken apart: /api/v1/namespaces/NS/PLURAL/NAME/SUB and /apis/GROUP/VERSION/..., or the
/// cluster-scoped and all-namespaces forms without namespaces/NS.
/// </summary>
public sealed record ApiRoute(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    public static ApiRoute? Parse(string path, ObjectStore store)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int rest;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            (group, version, rest) = ("", parts[1], 2);
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            (group, version, rest) = (parts[1], parts[2], 3);
        }
        else
        {
            return null;
        }

        var tail = parts[rest..];
        string? ns = null;

        // namespaces/NS/PLURAL/... is a namespaced path; namespaces and namespaces/NS alone address Namespace objects.
        if (tail.Length >= 3 && tail[0] == "namespaces")
        {
            ns = tail[1];
            tail = tail[2..];
        }

        if (tail.Length == 0)
            return null;
        var type = store.FindType(group, version, tail[0]);
        if (type is null)
            return null;
        return new ApiRoute(type, type.Namespaced ? ns : null, tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null);
    }
}
