using EtlRouter.Security.Identity;

namespace EtlRouter.RouterRuntime.Security;

/// <summary>What a GraphQL caller may do, by the certificate it presented on GRAPHQL_PORT.</summary>
internal enum GraphQLAccess
{
    /// <summary>No certificate where one is needed.</summary>
    None,

    /// <summary>A sidecar or a router node: not a GraphQL user.</summary>
    Forbidden,

    /// <summary>Queries only (viewers).</summary>
    Read,

    /// <summary>Queries and mutations (admins, the operator, anyone in plaintext mode).</summary>
    Write,
}

/// <summary>Reads a GraphQL caller's access off the client certificate of its connection.</summary>
internal static class GraphQLCaller
{
    public static GraphQLAccess Access(HttpContext http)
    {
        if (!http.RequestServices.GetRequiredService<RouterTransport>().IsMutual) return GraphQLAccess.Write;
        if (http.Connection.ClientCertificate is not { } certificate || PeerIdentity.FromCertificate(certificate) is not { } caller) return GraphQLAccess.None;
        return caller.Role switch
        {
            PeerRole.Admin or PeerRole.Operator => GraphQLAccess.Write,
            PeerRole.Viewer => GraphQLAccess.Read,
            _ => GraphQLAccess.Forbidden,
        };
    }
}
