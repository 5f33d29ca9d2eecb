using System.Net.Security;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EtlRouter.Security.Kestrel;

/// <summary>
/// Puts a Kestrel endpoint behind <see cref="MutualTls"/>. Compiled into each server (router, sidecar) rather
/// than into EtlRouter.Security, which stays free of ASP.NET so that etlctl can use it.
/// </summary>
internal static class ListenOptionsMutualTls
{
    // Set once a connection's bytes parsed as a TLS ClientHello; a connection that ends without it never spoke TLS.
    private const string HelloSeen = "etl-router.tls-hello";

    public static void UseMutualTls(this ListenOptions listen, MutualTls tls, string port, SslApplicationProtocol protocol, Func<PeerIdentity, bool> allowed, bool requireCertificate = true)
    {
        // Outside TLS: Kestrel drops a connection whose first bytes are no TLS handshake (plaintext, garbage) without
        // a word above Debug; say it once, as a refused certificate is said by MutualTls.
        listen.Use(next => async connection =>
        {
            await next(connection);
            if (!connection.Items.ContainsKey(HelloSeen)) tls.RefusedWithoutHandshake(port, connection.RemoteEndPoint);
        });
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            // A client that connects and never finishes its handshake holds nothing for long.
            HandshakeTimeout = TimeSpan.FromSeconds(10),
            OnConnection = context =>
            {
                context.Connection.Items[HelloSeen] = true;
                return ValueTask.FromResult(tls.ServerOptions(port, context.Connection.RemoteEndPoint, protocol, allowed, requireCertificate));
            },
        });
    }
}
