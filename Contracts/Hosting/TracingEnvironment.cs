namespace EtlRouter.Contracts.Hosting;

/// <summary>
/// Whether a process exports traces: the standard OpenTelemetry variables decide, as in any OTel-instrumented
/// server. An OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) switches export
/// on; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keeps it off. Off, no span is ever created, so the
/// record path pays one listener check per batch.
/// </summary>
public static class TracingEnvironment
{
    public static bool Enabled(Func<string, string?> read)
    {
        if (string.Equals(read("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase)) return false;
        if (string.Equals(read("OTEL_TRACES_EXPORTER"), "none", StringComparison.OrdinalIgnoreCase)) return false;
        return !string.IsNullOrWhiteSpace(read("OTEL_EXPORTER_OTLP_ENDPOINT")) || !string.IsNullOrWhiteSpace(read("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
    }
}
