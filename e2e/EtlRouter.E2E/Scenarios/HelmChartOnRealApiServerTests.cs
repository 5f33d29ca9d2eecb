using EtlRouter.E2E.Targets;
using EtlRouter.Tests.Support;
using k8s;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>
/// The chart's output, every switch on, accepted object by object by a real API server (`kubectl apply
/// --dry-run=server` runs admission and schema validation without storing anything): CRDs first, then what uses them.
/// </summary>
[Collection(RealApiServerCollection.Name)]
public sealed class HelmChartOnRealApiServerTests(RealApiServerTarget target)
{
    // cert-manager's and the Prometheus Operator's CRDs are not available offline; these stand in for them with an
    // open schema, so the server checks everything of ours in those objects but their spec.
    private static readonly (string Group, string Kind, string Plural)[] ForeignKinds =
    [
        ("cert-manager.io", "Issuer", "issuers"),
        ("cert-manager.io", "Certificate", "certificates"),
        ("monitoring.coreos.com", "ServiceMonitor", "servicemonitors"),
    ];

    private static string ForeignCrd((string Group, string Kind, string Plural) kind) => $"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: {kind.Plural}.{kind.Group}
        spec:
          group: {kind.Group}
          names:
            kind: {kind.Kind}
            plural: {kind.Plural}
            singular: {kind.Kind.ToLowerInvariant()}
            listKind: {kind.Kind}List
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                x-kubernetes-preserve-unknown-fields: true
        """;

    [Fact]
    public async Task Every_object_the_chart_renders_with_every_switch_on_is_accepted_by_the_server()
    {
        target.Require();
        _ = Helm.Path;
        var ns = await target.NamespaceAsync("helm");
        var version = (await target.Admin.Version.GetCodeAsync(TestContext.Current.CancellationToken)).GitVersion;

        await target.Kubectl.MustAsync("apply", "-f", Path.Combine(Helm.ChartPath, "crds"));
        await target.Kubectl.ApplyAsync(string.Join("\n---\n", ForeignKinds.Select(ForeignCrd)));
        await target.Kubectl.MustAsync(["wait", "--for", "condition=established", "--timeout", "60s", "crd/etlrouterclusters.etl.router", .. ForeignKinds.Select(k => $"crd/{k.Plural}.{k.Group}")]);

        var rendered = await Helm.TemplateAsync(["--namespace", ns, "--kube-version", version.TrimStart('v'), .. Helm.AllSwitches]);
        var accepted = await target.Kubectl.RunAsync(["apply", "--dry-run=server", "-f", "-"], rendered);
        Assert.True(accepted.Succeeded, $"the server refused part of the chart: {accepted}");

        // One "(server dry run)" line per rendered object: nothing was skipped.
        var objects = rendered.Split("\n---", StringSplitOptions.RemoveEmptyEntries).Count(d => d.Contains("\nkind:", StringComparison.Ordinal));
        Assert.Equal(objects, accepted.Output.Split('\n').Count(l => l.EndsWith("(server dry run)", StringComparison.Ordinal)));
        Assert.Contains("poddisruptionbudget.policy/etl-operator", accepted.Output, StringComparison.Ordinal);
        Assert.Contains($"etlroutercluster.etl.router/etl-router", accepted.Output, StringComparison.Ordinal);
    }
}
