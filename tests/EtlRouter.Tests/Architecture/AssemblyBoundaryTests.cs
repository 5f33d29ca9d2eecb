using System.Reflection;
using EtlRouter.Operator.Controllers;
using Xunit;

namespace EtlRouter.Tests.Architecture;

/// <summary>
/// The boundaries the compiler keeps only while these lists stay short: every assembly references only those further
/// in, the programs export what another assembly of ours uses and nothing else, and the operator's controllers see
/// the runtime's abstractions alone.
/// </summary>
public sealed class AssemblyBoundaryTests
{
    public static TheoryData<string, string[]> Programs => new()
    {
        { "etl-router", [] },
        { "etl-sidecar", [] },
        { "etlctl", [] },
        { "etl-operator", [] },
        // What the operator hosts: the webhook, its settings and the admission review types.
        {
            "EtlRouter.SidecarInjector",
            [
                "EtlRouter.SidecarInjector.Admission.AdmissionRequest",
                "EtlRouter.SidecarInjector.Admission.AdmissionResponse",
                "EtlRouter.SidecarInjector.Admission.AdmissionReviewReader",
                "EtlRouter.SidecarInjector.Admission.InvalidAdmissionReviewException",
                "EtlRouter.SidecarInjector.InjectionAnnotations",
                "EtlRouter.SidecarInjector.InjectionDecision",
                "EtlRouter.SidecarInjector.InjectionOutcome",
                "EtlRouter.SidecarInjector.InjectorSettings",
                "EtlRouter.SidecarInjector.SidecarInjectionWebhook",
                "EtlRouter.SidecarInjector.SidecarMode",
            ]
        },
        // DataPlaneBench's reference chains generate the same records and measure latency the same way.
        { "etl-connector", ["EtlRouter.Connectors.Sinks.LatencyHistogram", "EtlRouter.Connectors.Sources.GeneratedRecords"] },
        // What a host needs to register the runtime (and its meter and activity source); everything it runs is internal.
        {
            "EtlRouter.OperatorRuntime",
            [
                "EtlRouter.OperatorRuntime.Builder.IOperatorBuilder",
                "EtlRouter.OperatorRuntime.Builder.OperatorBuilder",
                "EtlRouter.OperatorRuntime.Builder.OperatorServiceCollectionExtensions",
                "EtlRouter.OperatorRuntime.Generation.RbacRuleCollector",
                "EtlRouter.OperatorRuntime.Metrics.OperatorMeter",
                "EtlRouter.OperatorRuntime.OperatorSettings",
                "EtlRouter.OperatorRuntime.Tracing.OperatorTracing",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public void An_assembly_exports_only_what_another_assembly_uses(string assembly, string[] expected)
    {
        // The Web SDK makes a web program's top-level Program public (for WebApplicationFactory); it is no API.
        var exported = Assembly.Load(assembly).GetExportedTypes().Select(t => t.FullName!)
            .Where(name => name != "Program").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), exported);
    }

    [Fact]
    public void Controllers_and_finalizers_depend_on_the_runtime_abstractions_alone()
    {
        var machinery = Assembly.Load("EtlRouter.OperatorRuntime");
        var controllers = typeof(EtlPipelineController).Assembly.GetTypes()
            .Where(t => t.Namespace is "EtlRouter.Operator.Controllers" or "EtlRouter.Operator.Finalizers")
            .ToList();
        Assert.NotEmpty(controllers);

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offenders =
            from type in controllers
            from used in TypesUsedBy(type, all)
            where used.Assembly == machinery
            select $"{type.Name} uses {used.FullName}";
        Assert.Empty(offenders);
    }

    /// <summary>
    /// Which of our assemblies each may reference: dependencies point inward (Contracts and the runtime's
    /// abstractions at the centre, then Entities, Security and the injector, then the programs), and no program
    /// references another program.
    /// </summary>
    public static TheoryData<string, string[]> Inward => new()
    {
        { "EtlRouter.Contracts", [] },
        { "EtlRouter.OperatorRuntime.Abstractions", [] },
        { "EtlRouter.Pipelines", ["EtlRouter.Contracts"] },
        { "EtlRouter.Entities", ["EtlRouter.Contracts", "EtlRouter.OperatorRuntime.Abstractions", "EtlRouter.Pipelines"] },
        { "EtlRouter.Security", ["EtlRouter.Contracts"] },
        { "EtlRouter.SidecarInjector", ["EtlRouter.Contracts"] },
        { "EtlRouter.OperatorRuntime", ["EtlRouter.OperatorRuntime.Abstractions"] },
        {
            "etl-operator",
            ["EtlRouter.Contracts", "EtlRouter.OperatorRuntime.Abstractions", "EtlRouter.Pipelines", "EtlRouter.Entities", "EtlRouter.Security", "EtlRouter.SidecarInjector", "EtlRouter.OperatorRuntime"]
        },
        { "etl-router", ["EtlRouter.Contracts", "EtlRouter.Pipelines", "EtlRouter.Security"] },
        { "etl-sidecar", ["EtlRouter.Contracts", "EtlRouter.Security"] },
        { "etl-connector", ["EtlRouter.Contracts"] },
        { "etlctl", ["EtlRouter.Contracts", "EtlRouter.OperatorRuntime.Abstractions", "EtlRouter.Pipelines", "EtlRouter.Entities", "EtlRouter.Security"] },
    };

    [Theory]
    [MemberData(nameof(Inward))]
    public void An_assembly_references_only_assemblies_further_in(string assembly, string[] allowed)
    {
        var ours = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!)
            .Where(name => name.StartsWith("EtlRouter.", StringComparison.Ordinal) || name.StartsWith("etl", StringComparison.Ordinal));
        Assert.Empty(ours.Except(allowed));
    }

    /// <summary>The router checks a pipeline with the shared rules alone: no Kubernetes client, entity validation or YAML parser in it.</summary>
    [Fact]
    public void The_router_loads_no_kubernetes_entity_machinery()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<AssemblyName>([new AssemblyName("etl-router")]);
        while (pending.TryDequeue(out var name))
        {
            if (!seen.Add(name.Name!) || !(name.Name!.StartsWith("EtlRouter.", StringComparison.Ordinal) || name.Name == "etl-router")) continue;
            foreach (var referenced in Assembly.Load(name).GetReferencedAssemblies()) pending.Enqueue(referenced);
        }

        Assert.Contains("EtlRouter.Pipelines", seen);
        Assert.DoesNotContain("EtlRouter.Entities", seen);
        Assert.DoesNotContain("KubernetesClient", seen);
        Assert.DoesNotContain("FluentValidation", seen);
        Assert.DoesNotContain("YamlDotNet", seen);
    }

    [Fact]
    public void The_generic_operator_runtime_references_none_of_our_assemblies_but_its_abstractions()
    {
        var ours = Assembly.Load("EtlRouter.OperatorRuntime").GetReferencedAssemblies()
            .Select(a => a.Name!).Where(name => name.StartsWith("EtlRouter.", StringComparison.Ordinal) || name.StartsWith("etl", StringComparison.Ordinal));
        Assert.Equal(["EtlRouter.OperatorRuntime.Abstractions"], ours);
    }

    private static IEnumerable<Type> TypesUsedBy(Type type, BindingFlags flags)
    {
        var direct = type.GetInterfaces().Append(type.BaseType)
            .Concat(type.GetFields(flags).Select(f => f.FieldType))
            .Concat(type.GetProperties(flags).Select(p => p.PropertyType))
            .Concat(type.GetConstructors(flags).SelectMany(c => c.GetParameters()).Select(p => p.ParameterType))
            .Concat(type.GetMethods(flags).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)));
        return direct.OfType<Type>().SelectMany(Unwrap);
    }

    // A Task<ReconciliationResult<T>> uses ReconciliationResult and T as much as Task.
    private static IEnumerable<Type> Unwrap(Type type) =>
        type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap).Prepend(type.GetGenericTypeDefinition()) : [type];
}
