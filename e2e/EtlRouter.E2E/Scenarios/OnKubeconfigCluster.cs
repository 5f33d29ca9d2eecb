using EtlRouter.E2E.Targets;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>Every scenario, against the cluster ETL_E2E_KUBECONFIG names (skipped when it names none).</summary>
public sealed class OnKubeconfigCluster(KubeconfigTarget target) : ClusterScenarios(target), IClassFixture<KubeconfigTarget>;
