using System.Globalization;
using EtlRouter.Contracts;
using k8s.Models;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.SidecarInjector;

/// <summary>
/// Reads a pod's etl.router/* annotations over the settings' defaults. Every bad value is reported with the
/// annotation's name and what to write instead; the webhook refuses the pod rather than inject something broken.
/// </summary>
internal static class SidecarOverrides
{
    /// <summary>Native sidecars (init containers with restartPolicy Always) are on by default from this version.</summary>
    public static readonly Version NativeSidecarsSince = new(1, 29);

    public static (SidecarSpec? Spec, IReadOnlyList<string> Errors) Read(V1Pod pod, InjectorSettings settings, Version? clusterVersion)
    {
        var annotations = pod.Metadata?.Annotations ?? new Dictionary<string, string>();
        var errors = new List<string>();

        // A value longer than any setting needs is refused by itself, before anything reads it or echoes it back.
        foreach (var (name, value) in annotations.Where(a => a.Key.StartsWith(InjectionAnnotations.Prefix, StringComparison.Ordinal) && a.Value.Length > MaxAnnotationLength))
            errors.Add($"annotation {name}: {value.Length} characters, more than any setting needs ({MaxAnnotationLength}); shorten it");
        if (errors.Count > 0) return (null, errors);

        string Value(string name, string fallback) => annotations.TryGetValue(name, out var v) ? v.Trim() : fallback;
        string? Optional(string name, string? fallback) => annotations.TryGetValue(name, out var v) ? v.Trim() : fallback;

        var image = Value(InjectionAnnotations.SidecarImage, settings.SidecarImage);
        if (!ImageReference.IsValid(image))
            errors.Add($"annotation {InjectionAnnotations.SidecarImage}: '{Shown(image)}' is not an image reference ([registry[:port]/]repository[:tag][@sha256:digest], lowercase repository, name at most {ImageReference.MaxNameLength} characters); write one such as ghcr.io/etl-router/etl-sidecar:0.1.0");

        var grpcPort = Port(InjectionAnnotations.GrpcPort, Value(InjectionAnnotations.GrpcPort, settings.GrpcPort.ToString(CultureInfo.InvariantCulture)), errors);
        var metricsPort = Port(InjectionAnnotations.MetricsPort, Value(InjectionAnnotations.MetricsPort, settings.MetricsPort.ToString(CultureInfo.InvariantCulture)), errors);
        if (grpcPort is { } g && g == metricsPort)
            errors.Add($"annotations {InjectionAnnotations.GrpcPort} and {InjectionAnnotations.MetricsPort}: both are {g}; give the sidecar two different ports");
        CheckPortFree(pod, grpcPort, InjectionAnnotations.GrpcPort, errors);
        CheckPortFree(pod, metricsPort, InjectionAnnotations.MetricsPort, errors);

        var discovery = Value(InjectionAnnotations.DiscoveryPorts, settings.DiscoveryPorts);
        try
        {
            PortList.Parse(discovery, $"annotation {InjectionAnnotations.DiscoveryPorts}");
        }
        catch (FormatException e)
        {
            errors.Add(e.Message);
        }

        var endpoint = Value(InjectionAnnotations.ClusterEndpoint, settings.ClusterEndpoint);
        if (!EndpointAddress.TryParse(endpoint, out _))
            errors.Add($"annotation {InjectionAnnotations.ClusterEndpoint}: '{endpoint}' is not host:port; write one such as etl-router.etl-system.svc:50051");

        var mode = Mode(Optional(InjectionAnnotations.SidecarMode, null), settings.Mode, clusterVersion, errors);

        var cpuRequest = Quantity(InjectionAnnotations.CpuRequest, Value(InjectionAnnotations.CpuRequest, settings.CpuRequest), errors);
        var memoryRequest = Quantity(InjectionAnnotations.MemoryRequest, Value(InjectionAnnotations.MemoryRequest, settings.MemoryRequest), errors);
        var cpuLimit = Optional(InjectionAnnotations.CpuLimit, settings.CpuLimit) is { Length: > 0 } cl ? Quantity(InjectionAnnotations.CpuLimit, cl, errors) : null;
        var memoryLimit = Optional(InjectionAnnotations.MemoryLimit, settings.MemoryLimit) is { Length: > 0 } ml ? Quantity(InjectionAnnotations.MemoryLimit, ml, errors) : null;
        CheckRequestWithinLimit(cpuRequest, cpuLimit, InjectionAnnotations.CpuRequest, InjectionAnnotations.CpuLimit, errors);
        CheckRequestWithinLimit(memoryRequest, memoryLimit, InjectionAnnotations.MemoryRequest, InjectionAnnotations.MemoryLimit, errors);

        if (errors.Count > 0) return (null, errors);
        return (new SidecarSpec(image, endpoint, grpcPort!.Value, metricsPort!.Value, discovery, mode,
            cpuRequest!.ToString(), memoryRequest!.ToString(), cpuLimit?.ToString(), memoryLimit?.ToString()), errors);
    }

    /// <summary>Longest value an etl.router/* annotation may carry (an image reference with a digest is under 400).</summary>
    public const int MaxAnnotationLength = 1024;

    /// <summary>A value as an error message shows it: whole when short, else its start.</summary>
    private static string Shown(string value) => value.Length <= 80 ? value : value[..80] + "…";

    private static int? Port(string annotation, string text, List<string> errors)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535) return port;
        errors.Add($"annotation {annotation}: '{text}' is not a port; write a number from 1 to 65535");
        return null;
    }

    private static void CheckPortFree(V1Pod pod, int? port, string annotation, List<string> errors)
    {
        if (port is null) return;
        var containers = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []);
        foreach (var container in containers)
        {
            if ((container.Ports ?? []).Any(p => p.ContainerPort == port))
                errors.Add($"annotation {annotation}: port {port} is already used by container '{container.Name}'; set {annotation} to a free port");
        }
    }

    private static SidecarMode Mode(string? annotation, SidecarMode configured, Version? clusterVersion, List<string> errors)
    {
        var mode = configured;
        if (annotation is not null)
        {
            switch (annotation.ToLowerInvariant())
            {
                case "native":
                    mode = SidecarMode.Native;
                    break;
                case "container":
                    mode = SidecarMode.Container;
                    break;
                default:
                    errors.Add($"annotation {InjectionAnnotations.SidecarMode}: '{annotation}' is not valid; write \"native\" or \"container\"");
                    return SidecarMode.Container;
            }
        }

        if (mode == SidecarMode.Native && clusterVersion is not null && clusterVersion < NativeSidecarsSince)
        {
            errors.Add($"annotation {InjectionAnnotations.SidecarMode}: native sidecars need Kubernetes {NativeSidecarsSince} or newer and this cluster is {clusterVersion}; write \"container\"");
        }

        // Auto: native where the cluster is known to support it; a regular container where it is unknown or older.
        return mode != SidecarMode.Auto ? mode : clusterVersion is not null && clusterVersion >= NativeSidecarsSince ? SidecarMode.Native : SidecarMode.Container;
    }

    private static ResourceQuantity? Quantity(string annotation, string text, List<string> errors)
    {
        try
        {
            var quantity = new ResourceQuantity(text);
            if (quantity.ToDecimal() > 0) return quantity;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            // Reported below with the annotation's name.
        }

        errors.Add($"annotation {annotation}: '{text}' is not a positive Kubernetes quantity; write one such as 100m (CPU) or 128Mi (memory)");
        return null;
    }

    private static void CheckRequestWithinLimit(ResourceQuantity? request, ResourceQuantity? limit, string requestName, string limitName, List<string> errors)
    {
        if (request is not null && limit is not null && request.ToDecimal() > limit.ToDecimal())
            errors.Add($"annotations {requestName} and {limitName}: the request {request} is above the limit {limit}; raise the limit or lower the request");
    }
}
