namespace EtlRouter.OperatorRuntime.Metrics;

/// <summary>The meter the runtime's instruments live on; a host adds it to its metrics exporter.</summary>
public static class OperatorMeter
{
    public const string Name = "EtlRouter.Operator";
}
