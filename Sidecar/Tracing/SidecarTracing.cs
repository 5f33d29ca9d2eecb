using System.Diagnostics;
using EtlRouter.Sidecar.Model;

namespace EtlRouter.Sidecar.Tracing;

/// <summary>
/// The sidecar's spans. A batch's trace starts where the source's records are read, and each hop's stage span is
/// a child of the span that sent the batch (its context travels in the batch frame as a W3C traceparent, once per
/// batch, never per record); every call to the pod's service, retries included, is a child of its stage span.
/// With no listener (tracing off) every Start returns null and nothing else happens.
/// </summary>
internal static class SidecarTracing
{
    public const string SourceName = "EtlRouter.Sidecar";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>A batch read from the source, until every output edge took it: the root of the batch's trace.</summary>
    public static Activity? StartSourceBatch(StageContext stage, int records) =>
        Tag(Source.StartActivity("etl.source.read", ActivityKind.Producer, default(ActivityContext)), stage, records);

    /// <summary>A batch in a transform or sink stage, from taking it to passing its output on.</summary>
    public static Activity? StartStage(StageContext stage, BatchTracker tracker, int records) =>
        Tag(Source.StartActivity("etl.stage.process", ActivityKind.Consumer, tracker.Trace), stage, records);

    /// <summary>One call to the pod's service (an attempt: retries get one each).</summary>
    public static Activity? StartServiceCall(StageContext stage, ActivityContext parent, int records, int attempt)
    {
        var span = Tag(Source.StartActivity("etl.service.call", ActivityKind.Client, parent), stage, records);
        span?.SetTag("etl.attempt", attempt);
        span?.SetTag("rpc.service", stage.Definition.Kind switch
        {
            Contracts.V1.StageKind.Transform => "etl.v1.TransformService",
            Contracts.V1.StageKind.Sink => "etl.v1.SinkService",
            _ => "etl.v1.SourceService",
        });
        span?.SetTag("etl.service", stage.Definition.Service);
        return span;
    }

    /// <summary>The traceparent a batch frame carries; empty without a trace.</summary>
    public static string Traceparent(ActivityContext context) =>
        context == default ? string.Empty : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";

    /// <summary>A received frame's trace context; default when it carries none (or garbage: a trace is never worth a batch).</summary>
    public static ActivityContext Parse(string traceparent) =>
        traceparent.Length > 0 && ActivityContext.TryParse(traceparent, null, out var context) ? context : default;

    private static Activity? Tag(Activity? span, StageContext stage, int records)
    {
        if (span is null) return null;
        span.SetTag("etl.pipeline", $"{stage.Key.Namespace}/{stage.Key.Pipeline}");
        span.SetTag("etl.stage", stage.Key.Stage);
        span.SetTag("etl.sidecar", stage.Options.SidecarId);
        span.SetTag("etl.records", records);
        return span;
    }
}
