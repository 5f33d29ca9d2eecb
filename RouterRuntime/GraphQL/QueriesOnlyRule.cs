using GraphQL.Validation;
using GraphQLParser.AST;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// Queries only: GET may only read (a link or a prefetch must never change anything), and so may a viewer.
/// </summary>
internal sealed class QueriesOnlyRule(bool viewer) : ValidationRuleBase
{
    private readonly MatchingNodeVisitor<GraphQLOperationDefinition> visitor = new((operation, context) =>
    {
        if (operation.Operation == OperationType.Query) return;
        var kind = operation.Operation.ToString().ToLowerInvariant();
        context.ReportError(viewer
            ? new ValidationError(context.Document.Source, null, $"a viewer may only query; a {kind} needs an admin or operator certificate", operation) { Code = "FORBIDDEN" }
            : new ValidationError(context.Document.Source, null, $"a {kind} cannot be sent by GET; POST it", operation) { Code = "MUTATION_OVER_GET" });
    });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(visitor);
}
