using EtlRouter.E2E.Targets;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>Every scenario, against the real kube-apiserver built here (`make test` builds and starts it).</summary>
[Collection(RealApiServerCollection.Name)]
public sealed class OnRealApiServer(RealApiServerTarget target) : ClusterScenarios(target);
