using System.Text.Json.Nodes;
using EtlRouter.Entities.Manifests;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Install;

/// <summary>
/// The Helm chart (helm/etl-router) with the real helm: it lints and renders with defaults and with every switch on,
/// its schema refuses bad values with the value's path, its RBAC and webhooks are the generated ones, and kustomize's
/// config/default installs the same objects.
/// </summary>
public sealed class HelmChartTests
{
    [Fact]
    public async Task The_chart_lints_clean_with_defaults_and_with_every_switch_on()
    {
        foreach (var arguments in new[] { Array.Empty<string>(), Helm.AllSwitches })
        {
            var lint = await Helm.RunAsync(["lint", "--strict", Helm.ChartPath, .. arguments]);
            Assert.True(lint.Succeeded, $"helm lint {string.Join(' ', arguments)}: {lint}");
        }
    }

    [Fact]
    public async Task Every_switch_adds_its_objects_and_nothing_renders_empty()
    {
        var defaults = Objects(await Helm.TemplateAsync());
        var all = Objects(await Helm.TemplateAsync(Helm.AllSwitches));

        Assert.Equal(
            ["Certificate/etl-operator-webhook", "ConfigMap/etl-router-dashboard", "Issuer/etl-operator-selfsigned", "Service/etl-operator-metrics", "ServiceMonitor/etl-operator"],
            all.Select(Id).Except(defaults.Select(Id)).Order(StringComparer.Ordinal));
        Assert.All(all, o => Assert.False(string.IsNullOrEmpty(o["metadata"]?["name"]?.GetValue<string>()), o.ToJsonString()));

        // With cert-manager the webhooks get their caBundle injected and the operator reads the mounted files.
        var mutating = all.Single(o => Id(o) == "MutatingWebhookConfiguration/etl-router-sidecar-injector");
        Assert.Equal("etl-system/etl-operator-webhook", mutating["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]!.GetValue<string>());
        Assert.Contains("Webhook__CertificateSource", all.Single(o => Id(o) == "Deployment/etl-operator").ToJsonString(), StringComparison.Ordinal);

        var dashboard = all.Single(o => Id(o) == "ConfigMap/etl-router-dashboard");
        Assert.Contains("etl_operator_reconciles_total", JsonNode.Parse(dashboard["data"]!["etl-router.json"]!.GetValue<string>())!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operator_and_its_sidecars_use_the_router_cluster_the_chart_creates()
    {
        var objects = Objects(await Helm.TemplateAsync("--set", "router.name=pipelines-router", "--namespace", "data-platform"));
        var cluster = objects.Single(o => o["kind"]!.GetValue<string>() == "EtlRouterCluster");
        Assert.Equal("pipelines-router", cluster["metadata"]!["name"]!.GetValue<string>());

        var env = objects.Single(o => Id(o) == "Deployment/etl-operator")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Equal($"{cluster["metadata"]!["namespace"]}/pipelines-router", env.Single(e => e!["name"]!.GetValue<string>() == "ROUTER_CLUSTER")!["value"]!.GetValue<string>());
        Assert.DoesNotContain(env, e => e!["name"]!.GetValue<string>() == "ROUTER_ENDPOINT");
    }

    [Fact]
    public async Task The_network_policies_admit_exactly_the_flows_the_system_needs()
    {
        var objects = Objects(await Helm.TemplateAsync());
        var router = objects.Single(o => Id(o) == "NetworkPolicy/etl-router")["spec"]!;
        string Rule(JsonNode rule) => $"{string.Join(",", rule["ports"]!.AsArray().Select(p => p!["port"]!.ToJsonString()))} from {(rule["from"] is JsonArray from ? Canonical(from) : "anywhere")}";
        Assert.Equal(
            [
                "7000 from [{\"podSelector\":{\"matchLabels\":{\"app.kubernetes.io/instance\":\"etl-router\",\"app.kubernetes.io/name\":\"etl-router\"}}}]",
                "50051 from [{\"podSelector\":{\"matchLabels\":{\"app.kubernetes.io/name\":\"etl-operator\"}}},{\"namespaceSelector\":{},\"podSelector\":{\"matchLabels\":{\"etl.router/sidecar\":\"injected\"}}}]",
                "8080 from anywhere",
            ],
            router["ingress"]!.AsArray().Select(r => Rule(r!)));
        var @operator = objects.Single(o => Id(o) == "NetworkPolicy/etl-operator")["spec"]!;
        Assert.Equal(
            ["9443,8080 from anywhere", "9444 from [{\"namespaceSelector\":{},\"podSelector\":{\"matchLabels\":{\"etl.router/sidecar\":\"injected\"}}}]"],
            @operator["ingress"]!.AsArray().Select(r => Rule(r!)));

        // The policies select the pods the operator makes and the label the injector adds.
        Assert.Equal(router["podSelector"]!["matchLabels"]!.ToJsonString(), System.Text.Json.JsonSerializer.Serialize(EtlRouter.Operator.Controllers.RouterClusterResources.SelectorLabels(new EtlRouter.Entities.Resources.EtlRouterCluster { Metadata = new() { Name = "etl-router" } })));
        Assert.Equal("etl.router/sidecar", EtlRouter.SidecarInjector.InjectionAnnotations.SidecarLabel);
        Assert.DoesNotContain(Objects(await Helm.TemplateAsync("--set", "networkPolicies.enabled=false")), o => o["kind"]!.GetValue<string>() == "NetworkPolicy");
    }

    public static TheoryData<string> BadValues() => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData", "helm-bad-values"), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task The_schema_refuses_a_bad_values_file_naming_the_value(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "helm-bad-values", file);
        var expected = File.ReadLines(path).First()["# expect: ".Length..];
        var result = await Helm.RunAsync("template", "etl", Helm.ChartPath, "-f", path);
        Assert.False(result.Succeeded, $"{file} was accepted");
        Assert.Contains("values don't meet the specifications of the schema", result.Errors, StringComparison.Ordinal);
        Assert.Contains(expected, result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_charts_rbac_and_webhooks_are_the_generated_ones()
    {
        var chart = Objects(await Helm.TemplateAsync());
        var role = Documents(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config", "rbac", "role.yaml"))).Single();
        Assert.Equal(role["rules"]!.ToJsonString(), chart.Single(o => Id(o) == "ClusterRole/etl-operator")["rules"]!.ToJsonString());

        foreach (var generated in Documents(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config", "webhook", "manifests.yaml"))))
        {
            var rendered = chart.Single(o => Id(o) == Id(generated));
            Assert.Equal(Canonical(generated["webhooks"]!), Canonical(rendered["webhooks"]!));
        }
    }

    [Fact]
    public async Task Kustomize_config_default_installs_the_same_objects_as_the_chart()
    {
        var kustomize = await new Kubectl("/dev/null").RunAsync("kustomize", Path.Combine(RepositoryRoot.Path, "config", "default"));
        Assert.True(kustomize.Succeeded, kustomize.ToString());

        // Helm installs into a namespace it is given (--create-namespace); kustomize creates etl-system itself.
        var fromKustomize = Objects(kustomize.Output).Where(o => o["kind"]!.GetValue<string>() != "Namespace").Select(Id).Order(StringComparer.Ordinal);
        var fromHelm = Objects(await Helm.TemplateAsync("--include-crds")).Select(Id).Order(StringComparer.Ordinal);
        Assert.Equal(fromHelm, fromKustomize);
    }

    private static string Id(JsonNode o) => $"{o["kind"]!.GetValue<string>()}/{o["metadata"]!["name"]!.GetValue<string>()}";

    private static List<JsonNode> Objects(string yaml) => Documents(yaml).ToList();

    private static IEnumerable<JsonNode> Documents(string yaml)
    {
        return YamlToJson.ReadDocuments(yaml, "helm template", ManifestLimits.Default).Select(d => d.Root).OfType<JsonObject>();
    }

    // Key order differs between a hand-written template and the generator; the content may not.
    private static string Canonical(JsonNode node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{(p.Value is null ? "null" : Canonical(p.Value))}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(i => i is null ? "null" : Canonical(i))) + "]",
        _ => node.ToJsonString(),
    };
}
