using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Discovery;
using EtlRouter.Sidecar.Metrics;
using EtlRouter.Sidecar.Model;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Makes the running stages match the router's assignments: starts new ones, rewires changed ones, stops
/// the ones taken away. An assignment message with a lower epoch than the last one applied is stale and
/// ignored.
/// </summary>
internal sealed class StageSupervisor(
    SidecarOptions options,
    LocalServices services,
    GrpcChannels channels,
    SidecarMetrics metrics,
    DeadLetterWriter deadLetters,
    RouterClients router,
    FlowReportRequests flowReports,
    ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly SemaphoreSlim applying = new(1);
    private readonly ILogger logger = loggers.CreateLogger<StageSupervisor>();
    private volatile Dictionary<StageKey, StageRunner> running = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ulong Epoch { get; private set; }

    public IReadOnlyCollection<StageRunner> Running => running.Values;

    public StageRunner? Find(StageKey key) => running.GetValueOrDefault(key);

    /// <summary>The stage, waiting a little for an assignment that may be on its way (the sender heard first).</summary>
    public async Task<StageRunner?> FindAsync(StageKey key, TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + wait;
        while (true)
        {
            var signal = changed.Task;
            if (Find(key) is { } runner) return runner;
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            try
            {
                await signal.WaitAsync(left, cancellationToken);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }

    public async Task ApplyAsync(SidecarAssignments assignments, CancellationToken cancellationToken)
    {
        await applying.WaitAsync(cancellationToken);
        try
        {
            if (assignments.Epoch < Epoch)
            {
                logger.LogInformation("Ignoring stale assignments (epoch {Stale} < {Current})", assignments.Epoch, Epoch);
                return;
            }

            Epoch = assignments.Epoch;
            var wanted = assignments.Stages.GroupBy(StageKey.Of).ToDictionary(g => g.Key, g => g.First());
            var next = new Dictionary<StageKey, StageRunner>(running);
            foreach (var (key, runner) in running)
            {
                if (!wanted.TryGetValue(key, out var assigned) || NeedsRestart(runner.Context.Assignment, assigned))
                {
                    next.Remove(key);
                    running = next.ToDictionary();
                    await runner.StopAsync();
                    logger.LogInformation("Stopped stage {Stage}", key);
                }
            }

            foreach (var (key, assigned) in wanted)
            {
                if (next.TryGetValue(key, out var runner))
                {
                    await runner.UpdateAsync(assigned);
                    continue;
                }

                var context = new StageContext(assigned, options, services, channels, metrics, loggers.CreateLogger($"EtlRouter.Sidecar.Stage"));
                var outputs = new StageOutputs(key, channels, options, () => context.Assignment.Epoch, context.Logger)
                {
                    Unmatched = new UnmatchedRecordHandler(context, deadLetters).HandleAsync,
                };
                await outputs.UpdateAsync(assigned);
                next[key] = new StageRunner(context, outputs, deadLetters, router, flowReports);
                logger.LogInformation("Started {Kind} stage {Stage} ({Service}, replica {Replica} of {Replicas}, epoch {Epoch})",
                    assigned.Stage.Kind, key, assigned.Stage.Service, assigned.Replica + 1, Math.Max(1, assigned.ReplicaCount), assigned.Epoch);
            }

            running = next;
            var signal = changed;
            changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            signal.TrySetResult();
        }
        finally
        {
            applying.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        var all = running.Values.ToList();
        running = [];
        foreach (var runner in all) await runner.StopAsync();
    }

    /// <summary>A different service, kind or endpoint means a different stage; outputs and options are updated in place.</summary>
    private static bool NeedsRestart(AssignedStage current, AssignedStage next) =>
        current.Stage.Kind != next.Stage.Kind || current.Stage.Service != next.Stage.Service || current.Stage.Endpoint != next.Stage.Endpoint;
}
