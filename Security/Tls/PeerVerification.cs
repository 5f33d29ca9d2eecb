using EtlRouter.Security.Identity;

namespace EtlRouter.Security.Tls;

/// <summary>What checking a peer's certificate found: who it is, or why it is refused.</summary>
public sealed record PeerVerification(PeerIdentity? Identity, string? Refusal)
{
    public bool Accepted => Identity is not null;

    public static PeerVerification Refuse(string reason) => new(null, reason);
}
