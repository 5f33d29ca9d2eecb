using EtlRouter.E2E.Targets;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>Every scenario, against the one-node cluster with the chart installed: real pods, real kubelet.</summary>
[Collection(OneNodeCollection.Name)]
public sealed class OnOneNodeCluster(OneNodeCluster cluster) : ClusterScenarios(new OneNodeTarget(cluster));
