using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EtlRouter.Tests.Support;

/// <summary>Posts GraphQL documents to a router's /graphql as any HTTP client would, presenting <paramref name="identity"/> (the tests' admin by default).</summary>
public sealed class GraphQLClient(int httpPort, EtlRouter.Security.Identity.PeerIdentity? identity = null) : IDisposable
{
    private readonly HttpClient http = new(TestCertificates.Handler(identity)) { BaseAddress = new Uri($"https://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };

    public async Task<GraphQLResponse> PostAsync(string query, object? variables = null)
    {
        using var response = await http.PostAsJsonAsync("/graphql", new { query, variables });
        return await GraphQLResponse.ReadAsync(response);
    }

    public async Task<GraphQLResponse> PostRawAsync(string body, string contentType = "application/json")
    {
        using var response = await http.PostAsync("/graphql", new StringContent(body, System.Text.Encoding.UTF8, contentType));
        return await GraphQLResponse.ReadAsync(response);
    }

    public async Task<GraphQLResponse> GetAsync(string query)
    {
        using var response = await http.GetAsync($"/graphql?query={Uri.EscapeDataString(query)}");
        return await GraphQLResponse.ReadAsync(response);
    }

    /// <summary>The data of a query that must succeed; its errors otherwise, in the exception.</summary>
    public async Task<JsonElement> DataAsync(string query, object? variables = null)
    {
        var response = await PostAsync(query, variables);
        if (response.Errors.Count > 0 || response.Data is null)
            throw new InvalidOperationException($"GraphQL errors ({response.Status}): {string.Join("; ", response.Errors)}\n{query}");
        return response.Data.Value;
    }

    public void Dispose() => http.Dispose();
}

/// <summary>A GraphQL answer: HTTP status, data (when any) and the errors' messages with their paths.</summary>
public sealed record GraphQLResponse(HttpStatusCode Status, JsonElement? Data, IReadOnlyList<string> Errors, JsonElement Body)
{
    public static async Task<GraphQLResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement.Clone();
        var data = body.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : (JsonElement?)null;
        var errors = body.TryGetProperty("errors", out var e)
            ? e.EnumerateArray().Select(x => (x.TryGetProperty("path", out var p) ? string.Join('.', p.EnumerateArray().Select(s => s.ToString())) + ": " : string.Empty) + x.GetProperty("message").GetString()).ToList()
            : [];
        return new GraphQLResponse(response.StatusCode, data, errors, body);
    }
}
