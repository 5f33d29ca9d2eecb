using GraphQL.Validation;
using GraphQLParser.AST;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>GET may only read (a link or a prefetch must never change anything): mutations go by POST.</summary>
internal sealed class QueriesOnlyRule : ValidationRuleBase
{
    private static readonly MatchingNodeVisitor<GraphQLOperationDefinition> Visitor = new((operation, context) =>
    {
        if (operation.Operation != OperationType.Query)
            context.ReportError(new ValidationError(context.Document.Source, null, $"a {operation.Operation.ToString().ToLowerInvariant()} cannot be sent by GET; POST it", operation) { Code = "MUTATION_OVER_GET" });
    });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);
}
