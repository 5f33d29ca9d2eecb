using EtlRouter.Sidecar.Configuration;
using EtlRouter.Contracts;
using EtlRouter.Sidecar.Receive;
using EtlRouter.Sidecar.Send;
using EtlRouter.Security.Tls;
using Xunit;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.Tests.Sidecar;

/// <summary>The sidecar's settings and credit windows: bad values are refused by name; credit is never overdrawn.</summary>
public sealed class SidecarSettingsTests
{
    [Fact]
    public void Discovery_ports_take_ranges_and_lists()
    {
        Assert.Equal([7000, 50051, 50052, 50053], PortList.Parse("50051-50053, 7000", "DISCOVERY_PORTS"));
    }

    [Theory]
    [InlineData("DISCOVERY_PORTS", "50060-50051", "DISCOVERY_PORTS: '50060-50051'")]
    [InlineData("DISCOVERY_PORTS", "1-65535", "more than 1024 ports")]
    [InlineData("GRPC_PORT", "http", "GRPC_PORT: 'http' is not valid")]
    [InlineData("CLUSTER_ENDPOINT", "ftp://router", "CLUSTER_ENDPOINT: 'ftp://router'")]
    [InlineData("ADVERTISE_ADDRESS", "10.0.0.7", "ADVERTISE_ADDRESS: '10.0.0.7'")]
    public void A_bad_setting_is_refused_with_its_name(string variable, string value, string message)
    {
        var error = Assert.Throws<SidecarConfigurationException>(() => SidecarOptions.FromEnvironment(name => name == variable ? value : null));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_the_ones_design_names()
    {
        var options = SidecarOptions.FromEnvironment(name => name == "SIDECAR_ID" ? "pod-1" : null);
        Assert.Equal(9091, options.GrpcPort);
        // Mutual TLS unless asked otherwise: the router is dialled over https.
        Assert.Equal(new Uri("https://etl-router:50051"), options.ClusterEndpoint);
        Assert.Equal(TransportMode.Mutual, options.Tls.Mode);
        Assert.Equal(TlsSettings.DefaultDirectory, options.Tls.Directory);
        Assert.Equal(Enumerable.Range(50051, 10), options.DiscoveryPorts);

        var plaintext = SidecarOptions.FromEnvironment(name => name == "TLS_MODE" ? "plaintext" : null);
        Assert.Equal(new Uri("http://etl-router:50051"), plaintext.ClusterEndpoint);
        var wrong = Assert.Throws<SidecarConfigurationException>(() => SidecarOptions.FromEnvironment(name => name == "TLS_MODE" ? "tls" : null));
        Assert.Contains("TLS_MODE: 'tls' is not valid; set it to mutual", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sender_waits_for_credit_and_an_oversized_batch_goes_only_alone()
    {
        var window = new CreditWindow();
        var waiting = window.TakeAsync(10, 100, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        window.Grant(50, 1000);
        await waiting;
        Assert.Equal(40, window.Records);

        var oversized = window.TakeAsync(80, 100, TestContext.Current.CancellationToken);
        Assert.False(oversized.IsCompleted);
        window.Grant(10, 100);
        await oversized;

        var receiver = new ReceiverWindow(50, 1000);
        Assert.True(receiver.TryTake(30, 100));
        Assert.False(receiver.TryTake(30, 100));
        receiver.Return(30, 100);
        Assert.True(receiver.TryTake(80, 100));
    }
}
