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
    public static void UseMutualTls(this ListenOptions listen, MutualTls tls, string port, SslApplicationProtocol protocol, Func<PeerIdentity, bool> allowed, bool requireCertificate = true) =>
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            // A client that connects and never finishes its handshake holds nothing for long.
            HandshakeTimeout = TimeSpan.FromSeconds(10),
            OnConnection = context => ValueTask.FromResult(tls.ServerOptions(port, context.Connection.RemoteEndPoint, protocol, allowed, requireCertificate)),
        });
}
