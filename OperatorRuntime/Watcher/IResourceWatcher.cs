namespace EtlRouter.OperatorRuntime.Watcher;

/// <summary>A watcher the runtime starts while this replica leads.</summary>
internal interface IResourceWatcher
{
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Completes once the first list has filled the cache.</summary>
    Task Synced { get; }
}
