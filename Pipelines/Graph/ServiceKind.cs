namespace EtlRouter.Pipelines.Graph;

/// <summary>What a user service does in a pipeline.</summary>
public enum ServiceKind
{
    Source,
    Transform,
    Sink,
}
