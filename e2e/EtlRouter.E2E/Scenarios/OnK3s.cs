using EtlRouter.E2E.Targets;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>Every scenario, against K3s started by Testcontainers (skipped without a Docker engine).</summary>
public sealed class OnK3s(K3sTarget target) : ClusterScenarios(target), IClassFixture<K3sTarget>;
