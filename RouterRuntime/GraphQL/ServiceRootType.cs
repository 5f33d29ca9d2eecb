using System.Linq.Expressions;
using System.Reflection;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// A root type (Query, Mutation) whose fields are the public methods of <typeparamref name="T"/>, called on the
/// instance the request's services hold, so resolvers get the router's state and gateway by constructor.
/// </summary>
internal sealed class ServiceRootType<T> : AutoRegisteringObjectGraphType<T>
    where T : class
{
    protected override LambdaExpression BuildMemberInstanceExpression(MemberInfo memberInfo) =>
        (Expression<Func<IResolveFieldContext, T>>)(context => context.RequestServices!.GetRequiredService<T>());
}
