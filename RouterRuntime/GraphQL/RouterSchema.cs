using GraphQL.Types;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>The router's GraphQL schema: <see cref="RouterQuery"/> and <see cref="RouterMutation"/>, types from their views.</summary>
internal sealed class RouterSchema : Schema
{
    public RouterSchema(IServiceProvider services)
        : base(services)
    {
        Query = new ServiceRootType<RouterQuery>();
        Mutation = new ServiceRootType<RouterMutation>();
        Description = "ETL Router: the cluster, its pipelines, sidecars and dead letters.";
    }
}
