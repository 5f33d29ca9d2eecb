using EtlRouter.RouterRuntime.Configuration;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>How a router node reads who it is from a StatefulSet pod's environment, on every Kubernetes version.</summary>
public sealed class RouterSettingsTests
{
    private const string Peers = "0=etl-router-0.etl-router-raft.data.svc:7000,1=etl-router-1.etl-router-raft.data.svc:7000,2=etl-router-2.etl-router-raft.data.svc:7000";

    private static RouterNodeOptions Pod(string podName) => RouterNodeOptions.FromEnvironment(name => name switch
    {
        "POD_NAME" => podName,
        "RAFT_PEERS" => Peers,
        "RAFT_ADDRESS" => $"{podName}.etl-router-raft.data.svc:7000",
        _ => null,
    });

    [Fact]
    public void An_initial_member_is_its_pods_ordinal_and_starts_with_the_group()
    {
        var options = Pod("etl-router-2");
        Assert.Equal("2", options.NodeId);
        Assert.False(options.Join);
        Assert.Equal("etl-router-2.etl-router-raft.data.svc:7000", options.Self.Address);
        Assert.Equal(3, options.Peers.Count);
    }

    [Fact]
    public void A_pod_the_initial_membership_does_not_list_joins_and_waits_to_be_added()
    {
        var options = Pod("etl-router-4");
        Assert.Equal("4", options.NodeId);
        Assert.True(options.Join);
        Assert.Equal("etl-router-4.etl-router-raft.data.svc:7000", options.Self.Address);
    }

    [Fact]
    public void Without_a_statefulset_ordinal_the_node_is_1_unless_told()
    {
        Assert.Equal("1", RouterNodeOptions.FromEnvironment(name => name == "POD_NAME" ? "router" : null).NodeId);
        Assert.Equal("7", RouterNodeOptions.FromEnvironment(name => name switch { "POD_NAME" => "etl-router-3", "RAFT_NODE_ID" => "7", _ => null }).NodeId);
    }
}
