namespace EtlRouter.SidecarInjector;

/// <summary>Whether a pod gets the sidecar, and why (the reason is logged and returned as a warning when refused).</summary>
public sealed record InjectionDecision(InjectionOutcome Outcome, string Reason)
{
    public static InjectionDecision Inject(string reason) => new(InjectionOutcome.Inject, reason);

    public static InjectionDecision Skip(string reason) => new(InjectionOutcome.Skip, reason);

    public static InjectionDecision Refuse(string reason) => new(InjectionOutcome.Refuse, reason);
}

public enum InjectionOutcome
{
    /// <summary>Add the sidecar.</summary>
    Inject,

    /// <summary>Leave the pod as it is and let it be created.</summary>
    Skip,

    /// <summary>Refuse the pod: it asked for something the injector cannot do as asked.</summary>
    Refuse,
}
