using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EtlRouter.RouterRuntime.Security;

/// <summary>
/// Refuses a call its caller may not make (<see cref="RpcPermissions"/>) before the method sees its request,
/// with PermissionDenied naming the caller, the method and who may call it. Plaintext mode allows everything.
/// </summary>
internal sealed class AuthorizationInterceptor(RouterTransport transport, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        if (!transport.IsMutual) return;
        var method = context.Method;
        var caller = context.Caller();
        if (caller is not null && RpcPermissions.May(caller, method)) return;
        var who = caller?.ToString() ?? "a caller without an identity";
        logger.LogWarning("Refused {Method} to {Caller} from {Peer}", method, who, context.Peer);
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"{who} may not call {method}; it is for: {RpcPermissions.WhoMay(method)}"));
    }
}
