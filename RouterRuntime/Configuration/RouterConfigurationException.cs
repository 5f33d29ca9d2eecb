namespace EtlRouter.RouterRuntime.Configuration;

/// <summary>A setting the node cannot start with; the message names the variable and the fix.</summary>
public sealed class RouterConfigurationException(string message) : Exception(message);
