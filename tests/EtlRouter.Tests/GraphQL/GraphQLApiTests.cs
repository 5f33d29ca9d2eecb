using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.GraphQL;

/// <summary>The router's GraphQL API on real router processes: the seed's queries and mutation, the dashboard's own queries, bad input.</summary>
public sealed class GraphQLApiTests
{
    private const string SeedQuery = """
        query {
          clusterStatus {
            nodes { id role healthy }
            leader
          }
          pipelines {
            id
            source
            stages { id endpoint }
            sink
          }
        }
        """;

    private const string SeedMutation = """
        mutation {
          createPipeline(input: {
            name: "my-pipeline"
            source: "kafka-events"
            steps: ["filter", "enrich"]
            sink: "s3-archive"
          }) {
            success
            pipelineId
          }
        }
        """;

    [Fact]
    public async Task The_seed_queries_and_mutation_work_through_followers()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var followers = cluster.Nodes.Where(n => n != leader).ToList();
        using var first = new GraphQLClient(followers[0].HttpPort);
        using var second = new GraphQLClient(followers[1].HttpPort);

        // A follower takes the write and hands it to the leader.
        var created = await first.DataAsync(SeedMutation);
        Assert.True(created.GetProperty("createPipeline").GetProperty("success").GetBoolean());
        Assert.Equal("default/my-pipeline", created.GetProperty("createPipeline").GetProperty("pipelineId").GetString());

        // Another follower serves the read from its own state once it has applied the write.
        var data = await Eventually.WaitFor(async () =>
        {
            var d = await second.DataAsync(SeedQuery);
            return d.GetProperty("pipelines").GetArrayLength() == 1 ? d : (JsonElement?)null;
        }, "the pipeline readable on the other follower");
        var status = data!.Value.GetProperty("clusterStatus");
        Assert.Equal(leader.NodeId, status.GetProperty("leader").GetString());
        Assert.Equal(3, status.GetProperty("nodes").GetArrayLength());
        Assert.Equal(["FOLLOWER", "FOLLOWER", "LEADER"], status.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("role").GetString()).Order());
        Assert.All(status.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.GetProperty("healthy").GetBoolean()));
        var pipeline = data.Value.GetProperty("pipelines")[0];
        Assert.Equal("default/my-pipeline", pipeline.GetProperty("id").GetString());
        Assert.Equal("kafka-events", pipeline.GetProperty("source").GetString());
        Assert.Equal("s3-archive", pipeline.GetProperty("sink").GetString());
        Assert.Equal(["kafka-events", "filter", "enrich", "s3-archive"], pipeline.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.All(pipeline.GetProperty("stages").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("endpoint").ValueKind));

        // The same pipeline through the gRPC API: one state.
        var stored = await leader.ControlPlane.GetPipelineAsync(new() { Ref = new() { Namespace = "default", Name = "my-pipeline" } });
        Assert.Equal(["kafka-events", "filter", "enrich", "s3-archive"], stored.Definition.Stages.Select(s => s.Service));

        var again = await second.DataAsync(SeedMutation);
        Assert.False(again.GetProperty("createPipeline").GetProperty("success").GetBoolean());

        var deleted = await second.DataAsync("""mutation { deletePipeline(id: "default/my-pipeline") { existed } }""");
        Assert.True(deleted.GetProperty("deletePipeline").GetProperty("existed").GetBoolean());
    }

    [Fact]
    public async Task Every_query_the_dashboard_sends_is_valid_against_the_schema()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        using var client = new GraphQLClient(cluster.Nodes[0].HttpPort);
        await client.DataAsync(SeedMutation);

        var queries = DashboardQueries();
        Assert.True(queries.Count >= 6, $"found {queries.Count} documents in web/src/lib/queries.js");
        var variables = new Dictionary<string, object?>
        {
            ["Pipeline"] = new { id = "default/my-pipeline" },
            ["DeadLetters"] = new { filter = new { pipeline = "default/my-pipeline" }, first = 50 },
            ["DeadLetter"] = new { id = "none" },
            ["Replay"] = new { filter = new { ids = new[] { "none" } } },
            ["Purge"] = new { filter = new { ids = new[] { "none" } } },
        };
        foreach (var (name, document) in queries)
        {
            var response = await client.PostAsync(document, variables.GetValueOrDefault(name));
            Assert.True(response.Errors.Count == 0, $"{name}: {string.Join("; ", response.Errors)}");
        }
    }

    [Fact]
    public async Task Bad_requests_get_errors_that_say_where_and_the_node_keeps_serving()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        using var client = new GraphQLClient(cluster.Nodes[0].HttpPort);

        var syntax = await client.PostAsync("{ clusterStatus { ");
        Assert.Equal(HttpStatusCode.BadRequest, syntax.Status);
        Assert.Contains("Error parsing query", Assert.Single(syntax.Errors), StringComparison.Ordinal);
        Assert.Equal(1, syntax.Body.GetProperty("errors")[0].GetProperty("locations")[0].GetProperty("line").GetInt32());

        var unknown = await client.PostAsync("{ clusterStatus { leader color } }");
        Assert.Contains("Cannot query field 'color' on type 'ClusterStatus'", Assert.Single(unknown.Errors), StringComparison.Ordinal);

        var garbage = await client.PostRawAsync("\u0001\u0002 not json");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Contains("not a GraphQL request", Assert.Single(garbage.Errors), StringComparison.Ordinal);

        var noQuery = await client.PostRawAsync("""{"variables": {}}""");
        Assert.Contains("query: missing", Assert.Single(noQuery.Errors), StringComparison.Ordinal);

        var huge = await client.PostRawAsync(JsonSerializer.Serialize(new { query = "{ " + new string(' ', 70_000) + "clusterStatus { leader } }" }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);

        var overGet = await client.GetAsync("""mutation { deletePipeline(id: "default/x") { existed } }""");
        Assert.Contains("cannot be sent by GET; POST it", Assert.Single(overGet.Errors), StringComparison.Ordinal);
        var readByGet = await client.GetAsync("{ clusterStatus { leader } }");
        Assert.Empty(readByGet.Errors);

        var deep = await client.PostAsync("{ __schema { types { " + string.Concat(Enumerable.Repeat("ofType { ", 20)) + "name" + string.Concat(Enumerable.Repeat(" }", 20)) + " } } }");
        Assert.Contains("too nested", Assert.Single(deep.Errors), StringComparison.Ordinal);

        var costly = await client.PostAsync("{ " + string.Join(' ', Enumerable.Range(0, 60).Select(i => $"a{i}: pipelines {{ id stages {{ id assignments {{ pod }} }} edges {{ from }} }}")) + " }");
        Assert.Contains("too complex", Assert.Single(costly.Errors), StringComparison.Ordinal);

        // Introspection, as GraphiQL sends it first, is allowed.
        var introspection = await client.DataAsync(IntrospectionQuery);
        var types = introspection.GetProperty("__schema").GetProperty("types").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("Pipeline", types);
        Assert.Contains("DeadLetter", types);
        Assert.Contains("PipelineInput", types);

        var invalid = await client.DataAsync("""
            mutation {
              createPipeline(input: {name: "Bad_Name", stages: [
                {name: "a", source: "s"},
                {name: "b", transform: "t", inputs: ["a", "c"]},
                {name: "c", transform: "u", inputs: ["b"]},
                {name: "d", sink: "k", inputs: ["c"]}]}) {
                success pipelineId errors { field message }
              }
            }
            """);
        var result = invalid.GetProperty("createPipeline");
        Assert.False(result.GetProperty("success").GetBoolean());
        var errors = result.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("field").GetString()!, e => e.GetProperty("message").GetString()!);
        Assert.Contains("not a DNS label", errors["input.name"], StringComparison.Ordinal);
        Assert.Contains(errors, e => e.Key.StartsWith("input.stages", StringComparison.Ordinal) && e.Value.Contains("cycle", StringComparison.OrdinalIgnoreCase));

        var mixed = await client.DataAsync("""mutation { createPipeline(input: {name: "mixed", source: "a", sink: "b", stages: [{name: "x", source: "a"}]}) { success errors { field message } } }""");
        Assert.Equal("input", mixed.GetProperty("createPipeline").GetProperty("errors")[0].GetProperty("field").GetString());

        var badPage = await client.PostAsync("{ deadLetters(first: 100000) { total } }");
        Assert.Equal("deadLetters: first: 100000 is out of range; ask for 1 to 500 and page with after", Assert.Single(badPage.Errors));
        var badFilter = await client.PostAsync("""mutation { replayDeadLetters(filter: {}) { count } }""");
        Assert.Contains("matches every dead letter", Assert.Single(badFilter.Errors), StringComparison.Ordinal);

        // None of it hurt the node.
        Assert.Equal("1", (await client.DataAsync("{ clusterStatus { leader } }")).GetProperty("clusterStatus").GetProperty("leader").GetString());
    }

    [Fact]
    public async Task A_cluster_that_lost_its_leader_still_answers_reads_and_refuses_writes_plainly()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var survivor = cluster.Nodes.First(n => n != leader);
        using var client = new GraphQLClient(survivor.HttpPort);
        await client.DataAsync(SeedMutation);
        await Eventually.WaitUntil(async () => (await client.DataAsync("{ pipelines { id } }")).GetProperty("pipelines").GetArrayLength() == 1, "the survivor applied the pipeline");

        foreach (var node in cluster.Nodes.Where(n => n != survivor)) await node.StopAsync();

        var status = await Eventually.WaitFor(async () =>
        {
            var d = await client.DataAsync("{ clusterStatus { leader answeredBy nodes { id healthy } } pipelines { id } }");
            return d.GetProperty("clusterStatus").GetProperty("leader").ValueKind == JsonValueKind.Null ? d : (JsonElement?)null;
        }, "the survivor knows no leader", TimeSpan.FromSeconds(30));
        Assert.Equal(survivor.NodeId, status!.Value.GetProperty("clusterStatus").GetProperty("answeredBy").GetString());
        Assert.Single(status.Value.GetProperty("clusterStatus").GetProperty("nodes").EnumerateArray(), n => n.GetProperty("healthy").GetBoolean());
        Assert.Equal("default/my-pipeline", status.Value.GetProperty("pipelines")[0].GetProperty("id").GetString());

        var write = await client.PostAsync("""mutation { deletePipeline(id: "default/my-pipeline") { existed } }""");
        Assert.Contains("the router cluster did not take the write", Assert.Single(write.Errors), StringComparison.Ordinal);
        Assert.Contains("majority", write.Errors[0], StringComparison.Ordinal);
    }

    /// <summary>The named documents in the dashboard's queries.js, as the browser sends them.</summary>
    private static List<(string Name, string Document)> DashboardQueries()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "web", "src", "lib", "queries.js"));
        return Regex.Matches(source, "export const \\w+ = `(?<doc>[^`]+)`")
            .Select(m => m.Groups["doc"].Value)
            .Select(doc => (Regex.Match(doc, "^(query|mutation) (\\w+)").Groups[2].Value, doc))
            .ToList();
    }

    private const string IntrospectionQuery = """
        query IntrospectionQuery {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...FullType }
            directives { name description locations args { ...InputValue } }
          }
        }
        fragment FullType on __Type {
          kind name description
          fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
          inputFields { ...InputValue }
          interfaces { ...TypeRef }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...TypeRef }
        }
        fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
        fragment TypeRef on __Type {
          kind name
          ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        }
        """;
}
