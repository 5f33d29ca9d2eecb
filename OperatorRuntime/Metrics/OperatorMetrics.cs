using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EtlRouter.OperatorRuntime.Metrics;

/// <summary>
/// The runtime's instruments, exported at /metrics through OpenTelemetry's Prometheus exporter:
/// etl_operator_reconciles_total{kind,result}, etl_operator_reconcile_errors_total{kind},
/// etl_operator_reconcile_duration_seconds{kind}, etl_operator_status_conflicts_total{kind},
/// etl_operator_watch_restarts_total{kind,reason}, etl_operator_leader and etl_operator_leader_terms_total.
/// </summary>
internal sealed class OperatorMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _reconciles;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _watchRestarts;
    private readonly Counter<long> _terms;
    private int _leader;

    public OperatorMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(OperatorMeter.Name);
        _reconciles = _meter.CreateCounter<long>("etl_operator_reconciles", description: "Reconciles run, by kind and result (success, failure).");
        _errors = _meter.CreateCounter<long>("etl_operator_reconcile_errors", description: "Reconciles that failed or threw.");
        _duration = _meter.CreateHistogram<double>("etl_operator_reconcile_duration", unit: "s", description: "Time one reconcile took.");
        _conflicts = _meter.CreateCounter<long>("etl_operator_status_conflicts", description: "Status writes refused with 409 and retried.");
        _watchRestarts = _meter.CreateCounter<long>("etl_operator_watch_restarts", description: "Watches restarted, by reason (gone, error).");
        _terms = _meter.CreateCounter<long>("etl_operator_leader_terms", description: "Terms this replica started leading; a rise while the Lease stayed ours means a blip ended a term.");
        _meter.CreateObservableGauge("etl_operator_leader", () => Volatile.Read(ref _leader), description: "1 while this replica holds the leader Lease.");
    }

    public void Reconciled(string kind, bool success, TimeSpan elapsed)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        _reconciles.Add(1, kindTag, new("result", success ? "success" : "failure"));
        if (!success)
            _errors.Add(1, kindTag);
        _duration.Record(elapsed.TotalSeconds, kindTag);
    }

    public void StatusConflict(string kind) => _conflicts.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void WatchRestarted(string kind, string reason) =>
        _watchRestarts.Add(1, new("kind", kind), new("reason", reason));

    public void SetLeader(bool leading)
    {
        Volatile.Write(ref _leader, leading ? 1 : 0);
        if (leading)
            _terms.Add(1);
    }

    public static Stopwatch Start() => Stopwatch.StartNew();

    public void Dispose() => _meter.Dispose();
}
