using Xunit;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// The node-tier test classes share one node and one install (started once, about two minutes); they run one after
/// another, and after the other collections rather than beside them, since the node's pods want both cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneNodeCollection : ICollectionFixture<OneNodeCluster>
{
    public const string Name = "one-node cluster";
}
