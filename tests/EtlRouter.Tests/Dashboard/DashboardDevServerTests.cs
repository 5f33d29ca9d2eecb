using System.Net.Http.Json;
using System.Text.Json;
using EtlRouter.Tests.Router;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Dashboard;

/// <summary>
/// `cd web; npm run dev` as docs/router.md tells a developer: Vite's dev server, whose /graphql proxy reaches a
/// mutual-TLS router as admin with the certificates in ROUTER_TLS_DIR (by default those `make run` made).
/// </summary>
public sealed class DashboardDevServerTests
{
    [Fact]
    public async Task The_dev_servers_graphql_proxy_reaches_a_mutual_tls_router_as_admin()
    {
        var web = Path.Combine(RepositoryRoot.Path, "web");
        var vite = Path.Combine(web, "node_modules", ".bin", "vite");
        if (!File.Exists(vite)) Assert.Skip($"{vite} is missing: scripts/build-dashboard installs the dashboard's packages with npm");
        if (Executables.Find("node") is null) Assert.Skip("Node.js is not on PATH: the dev server is a Node program");

        await using var cluster = await RouterCluster.StartAsync(1);
        // The layout `make run` leaves in .artifacts/tls: admin/ and ca/.
        var tls = Directory.CreateTempSubdirectory("etl-web-dev-tls-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(tls, "admin"));
            Directory.CreateDirectory(Path.Combine(tls, "ca"));
            var admin = TestCertificates.DirectoryFor(TestCertificates.Admin);
            File.Copy(Path.Combine(admin, "tls.crt"), Path.Combine(tls, "admin", "tls.crt"));
            File.Copy(Path.Combine(admin, "tls.key"), Path.Combine(tls, "admin", "tls.key"));
            File.Copy(Path.Combine(TestCertificates.AuthorityDirectory, "ca.crt"), Path.Combine(tls, "ca", "ca.crt"));

            var port = FreePorts.Take(1)[0];
            // `npm run dev` is `vite dev` in web/; the root argument stands for the working directory.
            using var dev = ChildProcess.Program(vite, ["dev", web, "--port", $"{port}", "--strictPort", "--host", "127.0.0.1"], new Dictionary<string, string>
            {
                ["ROUTER_HTTP"] = cluster.Nodes[0].HttpAddress,
                ["ROUTER_TLS_DIR"] = tls,
            });
            dev.Start();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var answer = await Eventually.WaitFor(async () =>
            {
                try
                {
                    var response = await http.PostAsJsonAsync($"http://127.0.0.1:{port}/graphql", new { query = "{ clusterStatus { nodes { id role } } }" });
                    return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, "the dev server's /graphql proxy to answer", TimeSpan.FromSeconds(60), dev.Describe);

            var nodes = JsonDocument.Parse(answer).RootElement.GetProperty("data").GetProperty("clusterStatus").GetProperty("nodes");
            Assert.Equal(1, nodes.GetArrayLength());
            await dev.StopAsync();
        }
        finally
        {
            Directory.Delete(tls, recursive: true);
        }
    }
}
