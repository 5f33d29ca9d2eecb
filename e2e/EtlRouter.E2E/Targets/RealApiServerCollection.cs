using Xunit;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// The test classes that share one real kube-apiserver (started once, about 10 s); they run one after another,
/// so a test that restarts the server or stops the operator disturbs no other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealApiServerCollection : ICollectionFixture<RealApiServerTarget>
{
    public const string Name = "real kube-apiserver";
}
