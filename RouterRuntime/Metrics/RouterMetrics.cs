using System.Diagnostics.Metrics;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;

namespace EtlRouter.RouterRuntime;

/// <summary>
/// The router's metrics (meter "EtlRouter.Router"), served at /metrics on the HTTP port in Prometheus format.
/// Gauges read the node and the state when scraped; counters count as things happen.
/// </summary>
internal sealed class RouterMetrics
{
    public const string MeterName = "EtlRouter.Router";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Forwarded = Meter.CreateCounter<long>("etl_router_writes_forwarded", description: "Writes a follower forwarded to the leader");

    private static readonly Counter<long> Commands = Meter.CreateCounter<long>("etl_router_commands_applied", description: "Log commands applied, by type");

    private static readonly Counter<long> Halts = Meter.CreateCounter<long>("etl_router_apply_halts", description: "Times this node stopped applying its log, by kind (damaged, unsupported, datalost)");

    public RouterMetrics(RaftNode node, RouterState state)
    {
        Meter.CreateObservableGauge("etl_router_raft_role", () => (int)node.LocalRole(), description: "1 leader, 2 follower, 3 candidate");
        Meter.CreateObservableGauge("etl_router_raft_term", () => node.Term);
        Meter.CreateObservableGauge("etl_router_raft_commit_index", () => node.CommitIndex);
        Meter.CreateObservableGauge("etl_router_raft_applied_index", () => node.AppliedIndex);
        Meter.CreateObservableGauge("etl_router_raft_apply_lag", () => Math.Max(0, node.CommitIndex - node.AppliedIndex), description: "Committed entries not yet applied here");
        Meter.CreateObservableGauge("etl_router_raft_snapshot_index", () => node.SnapshotIndex);
        Meter.CreateObservableGauge("etl_router_pipelines", () => Read(state, s => s.Pipelines.Count));
        Meter.CreateObservableGauge("etl_router_sidecars", () => Read(state, s => s.Sidecars.Count));
        Meter.CreateObservableGauge("etl_router_assignments", () => Read(state, s => s.Pipelines.Values.Sum(p => p.Stages.Sum(st => st.Sidecars.Count))), description: "Stage replicas assigned to sidecars");
        Meter.CreateObservableGauge("etl_router_unassigned_stages", () => Read(state, s => s.Pipelines.Values.Sum(p => p.Stages.Count(st => st.Sidecars.Count == 0))));
        Meter.CreateObservableGauge("etl_router_assignment_epoch", () => Read(state, s => (long)s.Epoch));
        Meter.CreateObservableGauge("etl_router_dead_letters", () => Read(state, s => s.DeadLetters.Count));
        Meter.CreateObservableGauge("etl_router_edge_credits_records", () => Read(state, s => s.Flow.Values.SelectMany(f => f.Edges).Sum(e => (long)e.CreditsRecords)), description: "Credits senders held at their last report, all edges");
        Meter.CreateObservableGauge("etl_router_edge_backlog", () => Read(state, s => s.Flow.Values.SelectMany(f => f.Edges).Sum(e => (long)e.Backlog)), description: "Records waiting for credit, all edges");
        Meter.CreateObservableGauge("etl_router_apply_halted", () => node.Halt.IsHalted ? 1 : 0, description: "1 while this node has stopped applying its log (cluster status says where and why)");
        Meter.CreateObservableGauge("etl_router_apply_halted_index", () => node.Halt.Current?.Index ?? 0, description: "The entry this node stopped applying at; 0 while it applies");
        Meter.CreateObservableGauge("etl_router_state_hash", () => Read(state, s => StateHash.Prefix(s.Hash())), description: "First 48 bits of the state hash at the applied index: equal on nodes at the same index");
        Meter.CreateObservableGauge("etl_router_checkpoint_index", () => Read(state, s => s.Checkpoints.Newest.Index), description: "The newest checkpoint entry this node applied");
        Meter.CreateObservableGauge("etl_router_checkpoint_hash", () => Read(state, s => StateHash.Prefix(s.Checkpoints.Newest.Hash)), description: "First 48 bits of the state hash at the newest checkpoint: must be equal on every node");
        Meter.CreateObservableGauge("etl_router_log_format", () => (long)node.WriteFormat(), description: "The log format the cluster writes (the oldest any voting member applies)");
        Meter.CreateObservableGauge("etl_router_max_log_format", () => (long)node.Options.MaxLogFormat, description: "The newest log format this node applies");
        Meter.CreateObservableGauge("etl_router_service_backlog", () => ServiceBacklogMeasurements(state), "{record}",
            "Records waiting for a transform's or sink's stages in a namespace (what the operator scales its workload on; a KEDA or HPA external metric)");
        node.Halt.Halted += halt => Halts.Add(1, new KeyValuePair<string, object?>("kind", halt.Kind.ToString().ToLowerInvariant()));
        node.Applied += (command, _) => Commands.Add(1, new KeyValuePair<string, object?>("type", command.BodyCase.ToString()));
    }

    private static List<Measurement<long>> ServiceBacklogMeasurements(RouterState state)
    {
        lock (state.Sync)
        {
            return ServiceBacklogs.All(state).Select(entry => new Measurement<long>((long)entry.Value.Backlog,
                new KeyValuePair<string, object?>("namespace", entry.Key.Namespace),
                new KeyValuePair<string, object?>("kind", entry.Key.Kind == Contracts.V1.StageKind.Sink ? "sink" : "transform"),
                new KeyValuePair<string, object?>("service", entry.Key.Service))).ToList();
        }
    }

    private static long Read(RouterState state, Func<RouterState, long> read)
    {
        lock (state.Sync)
        {
            return read(state);
        }
    }
}
