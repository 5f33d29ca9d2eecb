namespace EtlRouter.OperatorRuntime;

/// <summary>How the operator runtime behaves; bound from configuration section "Operator".</summary>
public sealed class OperatorSettings
{
    /// <summary>Component name on Events and the default Lease name.</summary>
    public string Name { get; set; } = "etl-operator";

    /// <summary>Namespace the Lease lives in (the operator's own, from POD_NAMESPACE).</summary>
    public string Namespace { get; set; } = "etl-system";

    /// <summary>This replica's identity in the Lease (the pod name).</summary>
    public string Identity { get; set; } = Environment.MachineName + "-" + Guid.NewGuid().ToString("N")[..6];

    public bool LeaderElection { get; set; } = true;

    public string LeaseName { get; set; } = "etl-operator-leader";

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Concurrent reconciles per kind; one key is never reconciled twice at once regardless.</summary>
    public int WorkersPerController { get; set; } = 2;

    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Server-side timeout of one watch request; the watcher resumes from its last version after it.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan WatchBackoffBase { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan WatchBackoffMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Conflict retries when writing status before the reconcile counts as failed.</summary>
    public int StatusConflictRetries { get; set; } = 5;
}
