namespace EtlRouter.Contracts.Hosting;

/// <summary>
/// What every launcher of the servers (router, sidecar, connectors) adds to their environment: the framework's
/// precompiled ReadyToRun code is not used, so the JIT compiles it, optimised for the process, at first call.
/// ServerJit.props says why; no runtimeconfig setting can say this, only the environment.
/// </summary>
public static class ServerJitEnvironment
{
    public const string Name = "DOTNET_ReadyToRun";

    public const string Value = "0";
}
