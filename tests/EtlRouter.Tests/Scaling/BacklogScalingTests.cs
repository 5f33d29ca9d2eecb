using System.Text.RegularExpressions;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Scaling;

/// <summary>
/// Backlog-driven scaling end to end: a real router, real sidecars, a sink slower than its source, and the
/// operator against the test API server scaling the sink's Deployment up while records wait and back down once
/// they drained, within the policy's bounds, saying why in status and events; the router exports the figure.
/// </summary>
public sealed partial class BacklogScalingTests
{
    [Fact]
    public async Task A_slow_sinks_deployment_scales_up_under_backlog_and_back_down_after_it_drains()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "4000", "--rate", "2000");
        var sink = await rig.ConnectorAsync("file", "slow", "--path", output, "--max-rate", "300");
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-sink", sink);

        await using var h = await StartAsync(routerAddress: rig.RouterNode.GrpcAddress);
        await h.Client.AppsV1.CreateNamespacedDeploymentAsync(SinkDeployment(), "default");
        await h.CreateAsync(Source("gen"));
        var scaled = Sink("slow");
        scaled.Spec.Scaling = new ScalingSpec
        {
            Workload = new WorkloadReference { Name = "slow-sink" },
            MinReplicas = 1,
            MaxReplicas = 3,
            TargetBacklogPerReplica = 100,
            ScaleDownDelay = "4s",
        };
        await h.CreateAsync(scaled);
        await h.CreateAsync(Linear("scaled", "gen", [], "slow"));

        // Under backlog: up to the policy's max at once, with the reason in status.
        await Eventually.WaitUntil(async () => await ReplicasAsync(h) == 3, $"the Deployment scaled to 3\n{rig.Diagnostics()}", TimeSpan.FromSeconds(40));
        var during = await Eventually.WaitFor(async () => (await h.Entities.GetAsync<EtlSink>("default", "slow"))!.Status.Scaling is { Replicas: 3 } s ? s : null, "status.scaling at 3 replicas");
        Assert.Equal("Deployment/slow-sink", during.Workload);
        Assert.True(during.Backlog > 100, $"backlog {during.Backlog}");
        Assert.Matches("backlog [0-9,]+ at 100 per replica asks for 3", during.Reason);
        Assert.NotNull(during.LastScaleTime);

        // The router exports the same figure for a KEDA or HPA user.
        using var http = new HttpClient(TestCertificates.Handler());
        var metrics = await http.GetStringAsync($"{rig.RouterNode.HttpAddress}/metrics", TestContext.Current.CancellationToken);
        Assert.Matches("etl_router_service_backlog\\{[^}]*service=\"slow\"[^}]*\\} [0-9]+", metrics);

        // Drained: every record written, then down to the minimum once the delay passed with no higher recommendation.
        await NdjsonFile.WaitForIdsAsync(output, 4000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        await Eventually.WaitUntil(async () => await ReplicasAsync(h) == 1, "the Deployment scaled back to 1", TimeSpan.FromSeconds(40));
        // The operator patches the Deployment, then writes its status: wait for the status to say so too.
        var after = await Eventually.WaitFor(async () => (await h.Entities.GetAsync<EtlSink>("default", "slow"))!.Status.Scaling is { Replicas: 1, Backlog: 0 } s ? s : null, "status.scaling at 1 replica with no backlog");
        Assert.Contains("asks for 1", after.Reason, StringComparison.Ordinal);

        // Every change the operator made stayed within 1..3, and each says why.
        var events = (await h.EventsFor("slow")).Where(e => e.Reason is "ScaledUp" or "ScaledDown").ToList();
        Assert.Contains(events, e => e.Reason == "ScaledUp");
        // Down may come in steps (3 -> 2 -> 1) as the window lets go of higher recommendations; it ends at 1.
        Assert.Contains(events, e => e.Reason == "ScaledDown" && Regex.IsMatch(e.Message, @"at 100 per replica asks for 1: scaled \d -> 1 after 4s with no recommendation above 1"));
        foreach (var e in events)
        {
            var change = ScaledTo().Match(e.Message);
            Assert.True(change.Success, e.Message);
            Assert.InRange(int.Parse(change.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 3);
        }
    }

    private static async Task<int?> ReplicasAsync(OperatorHarness h) =>
        (await h.Client.AppsV1.ReadNamespacedDeploymentAsync("slow-sink", "default")).Spec.Replicas;

    private static V1Deployment SinkDeployment() => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = "slow-sink", NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "slow-sink" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "slow-sink" }, Annotations = new Dictionary<string, string> { ["etl.router/inject"] = "true" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "sink", Image = "etl-connector" }] },
            },
        },
    };

    [GeneratedRegex(@"scaled \d+ -> (\d+)")]
    private static partial Regex ScaledTo();
}
