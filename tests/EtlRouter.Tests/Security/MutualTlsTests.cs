using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Contracts.V1;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Tests.Router;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit;

namespace EtlRouter.Tests.Security;

/// <summary>
/// Mutual TLS and authorization on the router's ports, against a real node: strangers are refused in the TLS
/// handshake with a clear log line, each identity may call only its RPCs, and the node keeps serving throughout.
/// </summary>
public sealed class MutualTlsTests
{
    [Fact]
    public async Task Every_router_port_refuses_a_caller_without_a_valid_certificate_and_keeps_serving()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await cluster.WaitForLeaderAsync();

        // Plaintext gRPC to the TLS port: no answer, nothing read.
        using (var plaintext = GrpcChannel.ForAddress($"http://127.0.0.1:{node.GrpcPort}"))
            await RefusedAsync(plaintext);

        // A certificate from another CA, and an expired one from the install CA: refused in the handshake.
        var stranger = CertificateIssuer.CreateAuthority("some-other-ca", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var fromStranger = CertificateIssuer.IssueIdentity(stranger, TestCertificates.Admin, [], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        var expired = Expired(TestCertificates.Authority, TestCertificates.Admin);
        foreach (var certificate in new[] { fromStranger, expired })
        {
            using var channel = ChannelPresenting($"https://127.0.0.1:{node.GrpcPort}", certificate);
            await RefusedAsync(channel);
        }

        // The same on the Raft port (DotNext's TCP transport under TLS) and on the HTTP port for a bad certificate.
        Assert.False(await HandshakeAsync(node.RaftPort, fromStranger));
        Assert.False(await HandshakeAsync(node.RaftPort, expired));
        Assert.False(await HandshakeAsync(node.RaftPort, CertificateIssuer.IssueIdentity(TestCertificates.Authority, TestCertificates.Admin, [], DateTimeOffset.UtcNow, TimeSpan.FromDays(1))));
        Assert.True(await HandshakeAsync(node.RaftPort, CertificateIssuer.IssueIdentity(TestCertificates.Authority, PeerIdentity.Router("9"), [], DateTimeOffset.UtcNow, TimeSpan.FromDays(1))));
        Assert.False(await HandshakeAsync(node.HttpPort, expired));

        // Each refusal is one line naming the port and the reason; the node keeps serving its real callers.
        await Eventually.WaitUntil(() => Task.FromResult(
            node.RecentOutput.Contains("Refused a TLS connection to the gRPC port", StringComparison.Ordinal)
            && node.RecentOutput.Contains("it sent no TLS handshake (plaintext or garbage)", StringComparison.Ordinal)
            && node.RecentOutput.Contains("not valid under the install CA", StringComparison.Ordinal)
            && node.RecentOutput.Contains("Refused a TLS connection to the raft port", StringComparison.Ordinal)
            && node.RecentOutput.Contains($"{TestCertificates.Admin} may not connect here", StringComparison.Ordinal)),
            "every refusal logged", TimeSpan.FromSeconds(10), () => node.RecentOutput);
        await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("after-strangers") });
        Assert.Single((await node.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest())).Pipelines);
    }

    [Fact]
    public async Task Each_identity_may_call_only_its_rpcs_and_a_sidecar_speaks_only_for_itself_in_its_namespace()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await cluster.WaitForLeaderAsync();
        await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("orders", ns: "shop") });

        using var viewerChannel = TestCertificates.Channel(node.GrpcAddress, PeerIdentity.Viewer("bob"));
        var viewer = new ControlPlane.ControlPlaneClient(viewerChannel);
        Assert.Single((await viewer.ListPipelinesAsync(new ListPipelinesRequest())).Pipelines);
        var write = await Assert.ThrowsAsync<RpcException>(() => viewer.DeletePipelineAsync(new DeletePipelineRequest { Ref = new PipelineRef { Namespace = "shop", Name = "orders" } }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, write.StatusCode);
        Assert.Equal("spiffe://etl-router/viewer/bob may not call /etl.v1.ControlPlane/DeletePipeline; it is for: operator, admin", write.Status.Detail);
        var purge = await Assert.ThrowsAsync<RpcException>(() => new DeadLetters.DeadLettersClient(viewerChannel).PurgeAsync(new PurgeDeadLettersRequest { Filter = new DeadLetterFilter { Pipeline = new PipelineRef { Namespace = "shop", Name = "orders" } } }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, purge.StatusCode);

        // A router node's certificate is for the node-to-node service, not for writing pipelines.
        using var routerChannel = TestCertificates.Channel(node.GrpcAddress, PeerIdentity.Router("7"));
        var asRouter = await Assert.ThrowsAsync<RpcException>(() => new ControlPlane.ControlPlaneClient(routerChannel).ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("x") }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, asRouter.StatusCode);

        // A sidecar registers as itself, from its own namespace, and may not restore the router's state.
        using var sidecarChannel = TestCertificates.Channel(node.GrpcAddress, PeerIdentity.Sidecar("shop", "pod-a"));
        var registry = new ServiceRegistry.ServiceRegistryClient(sidecarChannel);
        RegisterSidecarRequest Register(string id, string pod) => new()
        {
            SidecarId = id, Pod = pod, Address = "127.0.0.1:1",
            Services = { new DiscoveredService { Kind = StageKind.Source, Name = "gen", Endpoint = "127.0.0.1:2" } },
        };
        var impostor = await Assert.ThrowsAsync<RpcException>(() => registry.RegisterAsync(Register("pod-b", "shop/pod-b")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, impostor.StatusCode);
        Assert.Contains("sidecar_id: 'pod-b' is not this caller", impostor.Status.Detail, StringComparison.Ordinal);
        var elsewhere = await Assert.ThrowsAsync<RpcException>(() => registry.RegisterAsync(Register("pod-a", "bank/pod-a")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, elsewhere.StatusCode);
        Assert.Contains("may not act for namespace 'bank'", elsewhere.Status.Detail, StringComparison.Ordinal);
        await registry.RegisterAsync(Register("pod-a", "shop/pod-a"));
        var foreignDeadLetters = await Assert.ThrowsAsync<RpcException>(() => new DeadLetters.DeadLettersClient(sidecarChannel).ListAsync(new ListDeadLettersRequest { Filter = new DeadLetterFilter { Pipeline = new PipelineRef { Namespace = "bank", Name = "payments" } } }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, foreignDeadLetters.StatusCode);
        using (var restore = new ControlPlane.ControlPlaneClient(sidecarChannel).RestoreBackup())
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await restore.RequestStream.WriteAsync(new BackupChunk());
                await restore.RequestStream.CompleteAsync();
                await restore.ResponseAsync;
            });
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }

        // GraphQL: a certificate is needed; a viewer only queries; a sidecar is no GraphQL user.
        using var anonymous = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        var unauthorized = await anonymous.PostAsync($"{node.HttpAddress}/graphql", new StringContent("{\"query\":\"{ pipelines { id } }\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.True((await anonymous.GetAsync($"{node.HttpAddress}/healthz")).IsSuccessStatusCode);
        using var viewerGraphQL = new GraphQLClient(node.HttpPort, PeerIdentity.Viewer("bob"));
        Assert.Empty((await viewerGraphQL.PostAsync("{ pipelines { id } }")).Errors);
        var mutation = await viewerGraphQL.PostAsync("mutation { deletePipeline(id: \"shop/orders\") { deleted } }");
        Assert.Contains(mutation.Errors, e => e.Contains("a viewer may only query", StringComparison.Ordinal));
        using var sidecarGraphQL = new GraphQLClient(node.HttpPort, PeerIdentity.Sidecar("shop", "pod-a"));
        Assert.Equal(HttpStatusCode.Forbidden, (await sidecarGraphQL.PostAsync("{ pipelines { id } }")).Status);
        Assert.Single((await node.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest())).Pipelines);
    }

    /// <summary>A certificate from <paramref name="authority"/> that lived for one second just after the CA was made.</summary>
    private static X509Certificate2 Expired(X509Certificate2 authority, PeerIdentity identity)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={identity.Name}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(identity.Uri));
        request.CertificateExtensions.Add(names.Build());
        var notBefore = new DateTimeOffset(authority.NotBefore.ToUniversalTime());
        using var signed = request.Create(authority, notBefore, notBefore.AddSeconds(1), [1, 2, 3, 4]);
        return signed.CopyWithPrivateKey(key);
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_from_the_next_connection_while_open_streams_carry_on()
    {
        // The node's TLS_DIR as a mounted Secret: the files change under it, the process is not restarted.
        var directory = Directory.CreateTempSubdirectory("etl-rotation-");
        try
        {
            foreach (var file in Directory.GetFiles(TestCertificates.DirectoryFor(PeerIdentity.Router("1"))))
                File.Copy(file, Path.Combine(directory.FullName, Path.GetFileName(file)));
            await using var cluster = await RouterCluster.StartAsync(1, new Dictionary<string, string> { ["TLS_DIR"] = directory.FullName });
            var node = cluster.Nodes[0];
            var before = await ServedCertificateAsync(node.GrpcPort);

            // A stream opened before the renewal.
            using var watch = node.ControlPlane.WatchPipelineStatus(new WatchPipelineStatusRequest());
            await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("before") });
            Assert.True(await watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

            var renewed = CertificateIssuer.IssueIdentity(TestCertificates.Authority, PeerIdentity.Router("1"), ["127.0.0.1"], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
            AuthorityFiles.WriteIdentity(directory.FullName, renewed, File.ReadAllText(Path.Combine(directory.FullName, "ca.crt")));
            await Eventually.WaitUntil(async () => await ServedCertificateAsync(node.GrpcPort) == renewed.Thumbprint,
                "the renewed certificate served", TimeSpan.FromSeconds(30), () => node.RecentOutput);
            Assert.NotEqual(before, renewed.Thumbprint);

            // The stream opened before the renewal still delivers.
            await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("after") });
            var seen = new List<string>();
            while (!seen.Contains("after") && await watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken))
                seen.Add(watch.ResponseStream.Current.Definition.Ref.Name);
            Assert.Contains("after", seen);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The thumbprint of the certificate a TLS port presents to a new connection.</summary>
    private static async Task<string> ServedCertificateAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(client.GetStream());
        string? thumbprint = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificates = [TestCertificates.ClientAs(TestCertificates.Admin).Certificates.Certificate],
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                thumbprint = certificate is null ? null : new X509Certificate2(certificate).Thumbprint;
                return true;
            },
        });
        return thumbprint!;
    }

    private static async Task RefusedAsync(GrpcChannel channel)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => new ControlPlane.ControlPlaneClient(channel)
            .GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
    }

    private static GrpcChannel ChannelPresenting(string address, X509Certificate2 certificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>Whether a TLS handshake presenting <paramref name="certificate"/> is accepted and the connection then stays open.</summary>
    private static async Task<bool> HandshakeAsync(int port, X509Certificate2 certificate)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(client.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificates = [certificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            // TLS 1.3 checks the client's certificate after the client's side of the handshake: a refusal shows
            // as the server closing the connection on the first read.
            var read = tls.ReadAsync(new byte[1]).AsTask();
            var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(1)));
            return finished != read;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }
}
