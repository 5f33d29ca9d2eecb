namespace EtlRouter.RouterRuntime.Configuration;

/// <summary>A setting the node cannot start with; the message names the variable and the fix.</summary>
internal sealed class RouterConfigurationException(string message) : Exception(message);
