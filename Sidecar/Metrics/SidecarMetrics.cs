using System.Diagnostics.Metrics;

namespace EtlRouter.Sidecar.Metrics;

/// <summary>
/// The sidecar's OpenTelemetry instruments (meter "EtlRouter.Sidecar"), exported at /metrics. Every series is
/// tagged with pipeline (namespace/name) and stage; edge gauges add the next stage.
/// </summary>
internal sealed class SidecarMetrics : IDisposable
{
    public const string MeterName = "EtlRouter.Sidecar";
    private readonly Meter meter;

    public SidecarMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        RecordsIn = meter.CreateCounter<long>("etl_sidecar_records_in", "{record}", "Records a stage received.");
        RecordsOut = meter.CreateCounter<long>("etl_sidecar_records_out", "{record}", "Records a stage passed on (or a sink wrote).");
        RecordsFailed = meter.CreateCounter<long>("etl_sidecar_records_failed", "{record}", "Records that failed every retry.");
        Retries = meter.CreateCounter<long>("etl_sidecar_retries", "{record}", "Record retries after a failure.");
        DeadLetters = meter.CreateCounter<long>("etl_sidecar_dead_letters", "{record}", "Records written to the dead letter queue.");
        Unmatched = meter.CreateCounter<long>("etl_sidecar_records_unmatched", "{record}", "Records no conditional output of a stage took (dropped or dead-lettered, as spec.unmatched says).");
        BatchLatency = meter.CreateHistogram<double>("etl_sidecar_batch_duration", "ms", "Time a stage spent on one batch, until it was passed on.");
        DeliveryLatency = meter.CreateHistogram<double>("etl_sidecar_delivery_duration", "ms", "Source only: from reading a batch to its end-to-end acknowledgement.");
    }

    public Counter<long> RecordsIn { get; }

    public Counter<long> RecordsOut { get; }

    public Counter<long> RecordsFailed { get; }

    public Counter<long> Retries { get; }

    public Counter<long> DeadLetters { get; }

    public Counter<long> Unmatched { get; }

    public Histogram<double> BatchLatency { get; }

    public Histogram<double> DeliveryLatency { get; }

    /// <summary>Credit and backlog gauges, read from the running stages at each scrape.</summary>
    public void ObserveEdges(Func<IEnumerable<Measurement<long>>> credits, Func<IEnumerable<Measurement<long>>> backlog)
    {
        meter.CreateObservableGauge("etl_sidecar_edge_credits", credits, "{record}", "Credit (records) the sender holds on an edge; 0 means the receiver is the bottleneck.");
        meter.CreateObservableGauge("etl_sidecar_edge_backlog", backlog, "{record}", "Records an edge holds: queued, in flight or unacked.");
    }

    public void Dispose() => meter.Dispose();
}
