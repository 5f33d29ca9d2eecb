using EtlRouter.Contracts;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.Sidecar.Configuration;
using Grpc.Core;
using Xunit;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.Tests.Entities;

/// <summary>
/// host:port means one thing wherever it is written: a service's spec.grpc.endpoint, a stage endpoint the
/// router accepts, a sidecar's ADVERTISE_ADDRESS, a RAFT_PEERS entry and a plain router address. Every entry
/// point accepts and refuses the same addresses, and says why in the same words.
/// </summary>
public sealed class OneAddressRuleEverywhereTests
{
    public static TheoryData<string, string?> Addresses => new()
    {
        { "svc:50051", null },
        { "kafka-source.data.svc.cluster.local:50051", null },
        { "10.0.0.7:9091", null },
        { "[::1]:7000", null },
        { "svc", "has no port" },
        { "svc:", "has no port" },
        { ":50051", "has no port" },
        { "svc:0", "has port '0'" },
        { "svc:70000", "has port '70000'" },
        { "svc:http", "has port 'http'" },
        { "http://svc:50051", "has a scheme" },
        { "a b:80", "has no usable host" },
        { "::1:7000", "has no usable host" },
        { new string('a', 300) + ":80", "has no usable host" },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Every_entry_point_reads_an_address_the_same_way(string address, string? problem)
    {
        var refusals = new Dictionary<string, string?>
        {
            ["HostPort"] = HostPort.TryParse(address, out _, out var why) ? null : why,
            ["spec.grpc.endpoint"] = EntityValidator.Validate(Source(address)).SingleOrDefault(i => i.Path == "spec.grpc.endpoint")?.Message,
            ["router stage endpoint"] = Refusal<RpcException>(() => RequestValidation.Pipeline(Pipeline(address))),
            ["ADVERTISE_ADDRESS"] = Refusal<SidecarConfigurationException>(() => SidecarOptions.FromEnvironment(n => n == "ADVERTISE_ADDRESS" ? address : null)),
            ["RAFT_PEERS"] = Refusal<RouterConfigurationException>(() => RouterNodeOptions.FromEnvironment(n => n == "RAFT_PEERS" ? $"1={address}" : null)),
        };

        foreach (var (entry, refusal) in refusals)
        {
            if (problem is null)
                Assert.True(refusal is null, $"{entry} refused '{address}': {refusal}");
            else
                Assert.True(refusal?.Contains(problem, StringComparison.Ordinal) == true, $"{entry} should refuse '{address}' saying '{problem}', said: {refusal ?? "nothing"}");
        }

        // A router address without a scheme is host:port too.
        if (!address.Contains("://", StringComparison.Ordinal))
            Assert.Equal(problem is null, EndpointAddress.TryParse(address, out _));
    }

    [Fact]
    public void An_ipv6_address_is_written_back_in_brackets()
    {
        Assert.True(HostPort.TryParse("[fd00::7]:9091", out var address, out _));
        Assert.Equal("fd00::7", address.Host);
        Assert.Equal("[fd00::7]:9091", address.ToString());
        var options = SidecarOptions.FromEnvironment(n => n switch { "POD_IP" => "fd00::7", "SIDECAR_ID" => "s", _ => null });
        Assert.Equal("[fd00::7]:9091", options.AdvertiseAddress);
    }

    private static EtlSource Source(string endpoint) => new()
    {
        Metadata = new() { Name = "orders", NamespaceProperty = "default" },
        Spec = new ServiceSpec { Grpc = new GrpcEndpointSpec { Endpoint = endpoint } },
    };

    private static PipelineDefinition Pipeline(string endpoint)
    {
        var pipeline = Router.RouterTestData.Linear("p");
        pipeline.Stages[0].Endpoint = endpoint;
        return pipeline;
    }

    private static string? Refusal<TException>(Action action)
        where TException : Exception
    {
        try
        {
            action();
            return null;
        }
        catch (TException e)
        {
            return e is RpcException rpc ? rpc.Status.Detail : e.Message;
        }
    }
}
