namespace EtlRouter.Entities.Core;

/// <summary>Condition types, following the Kubernetes API conventions and what kstatus (Argo CD, Flux) reads.</summary>
public static class ConditionTypes
{
    /// <summary>The resource does what its spec asks.</summary>
    public const string Ready = "Ready";

    /// <summary>The operator is moving the resource toward its spec.</summary>
    public const string Progressing = "Progressing";

    /// <summary>Something prevents the spec from being met; the reason says what.</summary>
    public const string Degraded = "Degraded";
}
