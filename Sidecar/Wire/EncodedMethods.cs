using EtlRouter.Contracts.V1;
using Google.Protobuf;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.Core;

namespace EtlRouter.Sidecar.Wire;

/// <summary>
/// The etl.v1 methods that carry records, as the sidecar calls and serves them: the same service and method
/// names (taken from the contracts' descriptors, so they cannot drift), with records kept encoded
/// (encoded_records.proto). The peer cannot tell the difference.
/// </summary>
internal static class EncodedMethods
{
    public static readonly Method<EncodedEdgeFrame, EdgeSignal> Exchange =
        Define(SidecarDataPlane.Descriptor, "Exchange", EncodedEdgeFrame.Parser, EdgeSignal.Parser);

    public static readonly Method<ReadRequest, EncodedReadResponse> Read =
        Define(SourceService.Descriptor, "Read", ReadRequest.Parser, EncodedReadResponse.Parser);

    public static readonly Method<EncodedTransformRequest, EncodedTransformResponse> Transform =
        Define(TransformService.Descriptor, "Transform", EncodedTransformRequest.Parser, EncodedTransformResponse.Parser);

    public static readonly Method<EncodedTransformRequest, EncodedTransformResponse> TransformStream =
        Define(TransformService.Descriptor, "TransformStream", EncodedTransformRequest.Parser, EncodedTransformResponse.Parser);

    public static readonly Method<EncodedWriteRequest, WriteResponse> Write =
        Define(SinkService.Descriptor, "Write", EncodedWriteRequest.Parser, WriteResponse.Parser);

    public static readonly Method<EncodedWriteRequest, WriteResponse> WriteStream =
        Define(SinkService.Descriptor, "WriteStream", EncodedWriteRequest.Parser, WriteResponse.Parser);

    private static Method<TRequest, TResponse> Define<TRequest, TResponse>(ServiceDescriptor service, string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : class, IMessage<TRequest>, IBufferMessage
        where TResponse : class, IMessage<TResponse>, IBufferMessage
    {
        var method = service.FindMethodByName(name) ?? throw new InvalidOperationException($"{service.FullName} has no method {name}");
        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (true, true) => MethodType.DuplexStreaming,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            _ => MethodType.Unary,
        };
        return new Method<TRequest, TResponse>(type, service.FullName, name, MarshallerOf(request), MarshallerOf(response));
    }

    /// <summary>The marshaller protoc's gRPC plugin generates: straight to and from the call's buffers.</summary>
    private static Marshaller<T> MarshallerOf<T>(MessageParser<T> parser)
        where T : class, IMessage<T>, IBufferMessage => Marshallers.Create<T>(
        (message, context) =>
        {
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
