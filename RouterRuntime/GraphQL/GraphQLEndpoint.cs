using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Validation.Complexity;
using EtlRouter.RouterRuntime.Security;
using Microsoft.AspNetCore.Http;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// GraphQL over HTTP at <c>/graphql</c> on GRAPHQL_PORT: POST a JSON body (query, variables, operationName) or
/// GET with the same as query-string parameters (queries only). graphql-dotnet's own ASP.NET transport is not on
/// the package feed, so this is the small part of it we need. A bad query is answered with errors naming where,
/// never with a fault: the document is bounded in size, depth and cost, and execution in time.
/// </summary>
internal static class GraphQLEndpoint
{
    public const string Path = "/graphql";

    /// <summary>Largest request body and query text.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public const int MaxDepth = 15;

    public const int MaxComplexity = 20_000;

    private static readonly TimeSpan ExecutionTimeout = TimeSpan.FromSeconds(20);

    public static IServiceCollection AddRouterGraphQL(this IServiceCollection services)
    {
        services.AddSingleton<RouterQuery>();
        services.AddSingleton<RouterMutation>();
        services.AddGraphQL(graphql => graphql
            .AddSchema<RouterSchema>()
            .AddAutoClrMappings()
            .AddSystemTextJson()
            .AddErrorInfoProvider(errors => errors.ExposeExceptionDetails = false)
            .AddComplexityAnalyzer(limits =>
            {
                limits.MaxDepth = MaxDepth;
                limits.MaxComplexity = MaxComplexity;

                // Introspection (what GraphiQL and code generators send first) lists lists of lists: counted
                // as ours it costs 400,000. It reads the schema only, so it costs nothing; depth still binds it.
                var standard = limits.DefaultComplexityImpactDelegate;
                limits.DefaultComplexityImpactDelegate = field =>
                    field.ParentType.Name.StartsWith("__", StringComparison.Ordinal) || field.FieldDefinition.Name.StartsWith("__", StringComparison.Ordinal)
                        ? new FieldComplexityResult(0, 1)
                        : standard(field);
            }));
        return services;
    }

    public static void MapRouterGraphQL(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, PostAsync);
        endpoints.MapGet(Path, GetAsync);
    }

    private static async Task PostAsync(HttpContext http, IDocumentExecuter<RouterSchema> executer, IGraphQLTextSerializer serializer)
    {
        if (http.Request.ContentLength > MaxRequestBytes)
        {
            await RefuseAsync(http, serializer, StatusCodes.Status413PayloadTooLarge, $"the request is larger than {MaxRequestBytes} bytes");
            return;
        }

        GraphQLRequest? request;
        try
        {
            using var body = new MemoryStream();
            await CopyBoundedAsync(http.Request.Body, body, http.RequestAborted);
            body.Position = 0;
            request = await serializer.ReadAsync<GraphQLRequest>(body, http.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or NotSupportedException)
        {
            await RefuseAsync(http, serializer, StatusCodes.Status400BadRequest, $"the body is not a GraphQL request ({e.Message}); send JSON {{\"query\": \"...\", \"variables\": {{...}}}}");
            return;
        }

        await ExecuteAsync(http, executer, serializer, request, allowMutations: true);
    }

    private static async Task GetAsync(HttpContext http, IDocumentExecuter<RouterSchema> executer, IGraphQLTextSerializer serializer)
    {
        var query = http.Request.Query;
        Inputs? variables = null;
        if (query["variables"].ToString() is { Length: > 0 } text)
        {
            try
            {
                variables = serializer.Deserialize<Inputs>(text);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                await RefuseAsync(http, serializer, StatusCodes.Status400BadRequest, $"variables: not a JSON object ({e.Message})");
                return;
            }
        }

        var request = new GraphQLRequest { Query = query["query"], OperationName = query["operationName"], Variables = variables };
        await ExecuteAsync(http, executer, serializer, request, allowMutations: false);
    }

    private static async Task ExecuteAsync(HttpContext http, IDocumentExecuter<RouterSchema> executer, IGraphQLTextSerializer serializer, GraphQLRequest? request, bool allowMutations)
    {
        if (request?.Query is not { Length: > 0 } query)
        {
            await RefuseAsync(http, serializer, StatusCodes.Status400BadRequest, "query: missing; send {\"query\": \"{ clusterStatus { leader } }\"}");
            return;
        }

        if (query.Length > MaxRequestBytes)
        {
            await RefuseAsync(http, serializer, StatusCodes.Status413PayloadTooLarge, $"query: longer than {MaxRequestBytes} characters");
            return;
        }

        var viewer = false;
        switch (GraphQLCaller.Access(http))
        {
            case GraphQLAccess.None:
                await RefuseAsync(http, serializer, StatusCodes.Status401Unauthorized,
                    "present a client certificate from the install CA (an admin, operator or viewer identity; README, \"Security\")");
                return;
            case GraphQLAccess.Forbidden:
                await RefuseAsync(http, serializer, StatusCodes.Status403Forbidden, "this identity may not use the GraphQL API; admins, the operator and viewers may");
                return;
            case GraphQLAccess.Read:
                viewer = true;
                break;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(ExecutionTimeout);
        var result = await executer.ExecuteAsync(options =>
        {
            options.Query = query;
            options.OperationName = request.OperationName;
            options.Variables = request.Variables;
            options.RequestServices = http.RequestServices;
            options.CancellationToken = timeout.Token;
            if (!allowMutations || viewer)
                options.ValidationRules = global::GraphQL.Validation.DocumentValidator.CoreRules.Append(new QueriesOnlyRule(viewer));
        });

        http.Response.ContentType = "application/graphql-response+json; charset=utf-8";
        // graphql-over-http: a request that did not validate (no data at all) is 400; field errors keep 200.
        http.Response.StatusCode = result.Executed ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
        await serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }

    private static async Task RefuseAsync(HttpContext http, IGraphQLTextSerializer serializer, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/graphql-response+json; charset=utf-8";
        await serializer.WriteAsync(http.Response.Body, new ExecutionResult { Errors = [new ExecutionError(message)] }, http.RequestAborted);
    }

    private static async Task CopyBoundedAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (to.Length + read > MaxRequestBytes) throw new InvalidDataException($"the body is larger than {MaxRequestBytes} bytes");
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }
}
