namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>Something the runtime runs while this replica leads: one per registered controller.</summary>
internal interface IControllerRunner
{
    /// <summary>Subscribes to the watchers before returning its first await, then runs the workers.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
