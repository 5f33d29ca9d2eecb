using System.Reflection;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Manifests;

/// <summary>Reads an entity of a type known only at run time with the Kubernetes client's JSON settings.</summary>
internal static class EntityJson
{
    private static readonly MethodInfo Generic = typeof(KubernetesJson).GetMethods()
        .Single(m => m.Name == nameof(KubernetesJson.Deserialize) && m.IsGenericMethod
            && m.GetParameters() is [{ ParameterType: var p }, _] && p == typeof(string));

    public static IKubernetesObject<V1ObjectMeta>? Deserialize(string json, Type type)
    {
        try
        {
            return (IKubernetesObject<V1ObjectMeta>?)Generic.MakeGenericMethod(type).Invoke(null, [json, null]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
