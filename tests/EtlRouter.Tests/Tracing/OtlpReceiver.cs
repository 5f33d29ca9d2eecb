using System.Collections.Concurrent;
using EtlRouter.Tests.Tracing.Otlp;
using Grpc.Core;

namespace EtlRouter.Tests.Tracing;

/// <summary>An OTLP/gRPC trace receiver in the test process: keeps every span the processes export.</summary>
public sealed class OtlpReceiver : TraceService.TraceServiceBase
{
    public ConcurrentBag<ReceivedSpan> Spans { get; } = [];

    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = Attribute(resource.Resource?.Attributes, "service.name");
            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
            {
                Spans.Add(new ReceivedSpan(
                    Convert.ToHexString(span.TraceId.Span).ToLowerInvariant(),
                    Convert.ToHexString(span.SpanId.Span).ToLowerInvariant(),
                    span.ParentSpanId.IsEmpty ? null : Convert.ToHexString(span.ParentSpanId.Span).ToLowerInvariant(),
                    span.Name,
                    service,
                    span.Attributes.ToDictionary(a => a.Key, a => a.Value?.ValueCase switch
                    {
                        AnyValue.ValueOneofCase.StringValue => a.Value.StringValue,
                        AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        AnyValue.ValueOneofCase.BoolValue => a.Value.BoolValue ? "true" : "false",
                        AnyValue.ValueOneofCase.DoubleValue => a.Value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => string.Empty,
                    }),
                    span.StartTimeUnixNano,
                    span.EndTimeUnixNano));
            }
        }

        return Task.FromResult(new ExportTraceServiceResponse());
    }

    private static string? Attribute(IEnumerable<KeyValue>? attributes, string key) =>
        attributes?.FirstOrDefault(a => a.Key == key)?.Value?.StringValue;
}

public sealed record ReceivedSpan(string TraceId, string SpanId, string? ParentId, string Name, string? Service, IReadOnlyDictionary<string, string> Tags, ulong Start, ulong End);
