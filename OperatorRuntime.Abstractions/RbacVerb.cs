namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>API verbs an RBAC rule grants (KubeOps' name).</summary>
[Flags]
public enum RbacVerb
{
    None = 0,
    Get = 1 << 0,
    List = 1 << 1,
    Watch = 1 << 2,
    Create = 1 << 3,
    Update = 1 << 4,
    Patch = 1 << 5,
    Delete = 1 << 6,
    All = Get | List | Watch | Create | Update | Patch | Delete,
}
