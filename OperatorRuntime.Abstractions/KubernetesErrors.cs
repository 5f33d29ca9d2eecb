using System.Net;
using k8s.Autorest;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>Reads the HTTP status out of the client's exceptions.</summary>
public static class KubernetesErrors
{
    public static HttpStatusCode? StatusOf(Exception e) => e switch
    {
        HttpOperationException http => http.Response?.StatusCode,
        k8s.KubernetesException k when k.Status?.Code is int code => (HttpStatusCode)code,
        _ => null,
    };

    public static bool IsNotFound(Exception e) => StatusOf(e) == HttpStatusCode.NotFound;

    public static bool IsConflict(Exception e) => StatusOf(e) == HttpStatusCode.Conflict;

    public static bool IsGone(Exception e) => StatusOf(e) == HttpStatusCode.Gone;
}
