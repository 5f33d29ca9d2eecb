using System.Text.RegularExpressions;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Webhooks;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.SidecarInjector;
using EtlRouter.Tests.Support;
using Xunit;
using EtlRouter.Contracts.Hosting;

namespace EtlRouter.Tests.Install;

/// <summary>
/// No container engine runs here, so what can be checked without one is: every Dockerfile's ports, user, entry point
/// and JIT setting agree with the code and the manifests, and the publish output it copies starts as that user from
/// that path.
/// </summary>
public sealed partial class ImageTests
{
    private const int ImageUser = 65532;

    // Server: a JIT-compiled server, whose image sets DOTNET_ReadyToRun=0; Native: a Native AOT executable.
    private sealed record Image(string Name, string Project, string Assembly, int[] Ports, bool Server, bool Native = false);

    private static readonly Dictionary<string, Image> Images = new()
    {
        ["etl-operator"] = new("etl-operator", "Operator", "etl-operator", [8080, new WebhookSettings().Port], Server: false),
        ["etl-router"] = new("etl-router", "RouterRuntime", "etl-router", RouterPorts(), Server: true),
        ["etl-sidecar"] = new("etl-sidecar", "Sidecar", "etl-sidecar", SidecarPorts(), Server: false, Native: true),
        ["etl-connector"] = new("etl-connector", "Connectors", "etl-connector", [ConnectorSettings.DefaultPort], Server: true),
        ["etlctl"] = new("etlctl", "Cli", "etlctl", [], Server: false),
    };

    public static TheoryData<string> Names => new(Images.Keys);

    private static int[] RouterPorts()
    {
        var options = RouterNodeOptions.FromEnvironment(_ => null);
        return [options.GrpcPort, options.HttpPort, options.Self.Port];
    }

    private static int[] SidecarPorts()
    {
        var options = SidecarOptions.FromEnvironment(name => name == "SIDECAR_ID" ? "image-test" : null);
        return [options.GrpcPort, options.MetricsPort];
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_dockerfile_agrees_with_the_code_and_the_manifests(string name)
    {
        var image = Images[name];
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "images", $"{name}.Dockerfile"));

        if (image.Native)
        {
            // Published ahead of time for the image's architecture; runs without a .NET runtime.
            Assert.Matches($@"RUN dotnet publish {image.Project}/{image.Project}\.csproj -c Release -a \$TARGETARCH -p:PublishAot=true -o /app", dockerfile);
            Assert.Contains($"ENTRYPOINT [\"/app/{image.Assembly}\"]", dockerfile, StringComparison.Ordinal);
            // The upstream base image by default; a build argument lets a machine that cannot pull it name its own.
            Assert.Contains("ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0", dockerfile, StringComparison.Ordinal);
            Assert.Contains("FROM ${RUNTIME_DEPS_IMAGE}", dockerfile, StringComparison.Ordinal);
            Assert.Contains("<PublishAot>true</PublishAot>", File.ReadAllText(Path.Combine(RepositoryRoot.Path, image.Project, $"{image.Project}.csproj")), StringComparison.Ordinal);
        }
        else
        {
            Assert.Matches($@"RUN dotnet publish {image.Project}/{image.Project}\.csproj -c Release -o /app", dockerfile);
            Assert.Contains($"ENTRYPOINT [\"dotnet\", \"/app/{image.Assembly}.dll\"]", dockerfile, StringComparison.Ordinal);
        }

        Assert.Equal(image.Assembly, System.Reflection.AssemblyName.GetAssemblyName(Path.Combine(AppContext.BaseDirectory, $"{image.Assembly}.dll")).Name);

        // The user every manifest runs it as (the chart, the router StatefulSet, the injected sidecar).
        Assert.Contains($"USER {ImageUser}:{ImageUser}", dockerfile, StringComparison.Ordinal);
        Assert.Equal(ImageUser, SidecarContainer.RunAsUser);
        Assert.Contains($"runAsUser: {ImageUser}", File.ReadAllText(Path.Combine(Helm.ChartPath, "templates", "deployment.yaml")), StringComparison.Ordinal);

        var exposed = Expose().Matches(dockerfile).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).Order().ToArray();
        Assert.Equal(image.Ports.Order().ToArray(), exposed);

        // The servers JIT the framework (ServerJit.props); the image says so itself.
        Assert.Equal(image.Server, dockerfile.Contains($"ENV {ServerJitEnvironment.Name}={ServerJitEnvironment.Value}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_manifests_ports_are_the_images_ports()
    {
        // The router cluster's pods and the chart's values use the router image's ports.
        Assert.Equal<int[]>(RouterPorts(), [RouterClusterSpec.DefaultGrpcPort, RouterClusterSpec.DefaultHttpPort, RouterClusterSpec.DefaultRaftPort]);
        var values = File.ReadAllText(Path.Combine(Helm.ChartPath, "values.yaml"));
        Assert.Contains($"grpcPort: {RouterClusterSpec.DefaultGrpcPort}", values, StringComparison.Ordinal);
        Assert.Contains($"port: {new WebhookSettings().Port}", values, StringComparison.Ordinal);

        // The injected sidecar listens where the sidecar image exposes.
        var injector = new InjectorSettings();
        Assert.Equal<int[]>(SidecarPorts(), [injector.GrpcPort, injector.MetricsPort]);
    }

    [Theory]
    [InlineData("etl-router")]
    [InlineData("etlctl")]
    public async Task The_published_output_starts_as_the_image_user_from_app(string name)
    {
        var setpriv = Executables.Find("setpriv");
        if (setpriv is null || Environment.UserName != "root" || !OperatingSystem.IsLinux())
            Assert.Skip("running a program as another user needs root and setpriv (util-linux): cannot check the image user here");

        var image = Images[name];
        var app = Directory.CreateTempSubdirectory("etl-image-app-");
        var data = Directory.CreateTempSubdirectory("etl-image-data-");
        try
        {
            var publish = await RunAsync("dotnet", ["publish", Path.Combine(RepositoryRoot.Path, image.Project, $"{image.Project}.csproj"), "-c", "Release", "-o", app.FullName, "--nologo", "-v", "q", "--no-restore", "--disable-build-servers", "-nodeReuse:false"], TimeSpan.FromMinutes(4));
            Assert.True(publish.ExitCode == 0, publish.Output);

            // As in the image: the files belong to root and are only readable; the process is user 65532.
            if (OperatingSystem.IsLinux()) File.SetUnixFileMode(app.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            // Its TLS identity as a mounted Secret gives it: readable by the pod's user.
            var tls = Path.Combine(data.FullName, "tls");
            Directory.CreateDirectory(tls);
            foreach (var file in Directory.GetFiles(TestCertificates.DirectoryFor(EtlRouter.Security.Identity.PeerIdentity.Router("1"))))
                File.Copy(file, Path.Combine(tls, Path.GetFileName(file)));
            await RunAsync("chown", ["-R", $"{ImageUser}:{ImageUser}", data.FullName], TimeSpan.FromSeconds(10));
            string[] asImageUser = ["--reuid", $"{ImageUser}", "--regid", $"{ImageUser}", "--clear-groups", "dotnet", Path.Combine(app.FullName, $"{image.Assembly}.dll")];

            if (!image.Server)
            {
                var version = await RunAsync(setpriv, [.. asImageUser, "--version"], TimeSpan.FromSeconds(60), app.FullName);
                Assert.True(version.ExitCode == 0, version.Output);
                return;
            }

            var ports = FreePorts.Take(3);
            var (grpc, http, raft) = (ports[0], ports[1], ports[2]);
            using var server = ChildProcess.Program(setpriv, asImageUser, new Dictionary<string, string>
            {
                ["GRPC_PORT"] = $"{grpc}",
                ["GRAPHQL_PORT"] = $"{http}",
                ["RAFT_PORT"] = $"{raft}",
                ["BIND_ADDRESS"] = "127.0.0.1",
                ["DATA_DIR"] = data.FullName,
                ["TLS_DIR"] = tls,
                ["HOME"] = data.FullName,
                [ServerJitEnvironment.Name] = ServerJitEnvironment.Value,
            });
            server.WorkingDirectory = app.FullName;
            server.Start();
            try
            {
                using var http1 = new HttpClient(TestCertificates.Handler()) { Timeout = TimeSpan.FromSeconds(2) };
                await Eventually.WaitUntil(async () =>
                {
                    Assert.True(server.IsRunning, $"{name} exited: {server.Describe()}");
                    try
                    {
                        return (await http1.GetAsync($"https://127.0.0.1:{http}/healthz")).IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                }, $"{name} answering /healthz as user {ImageUser}", TimeSpan.FromSeconds(60));
                var wal = Assert.Single(Directory.EnumerateDirectories(data.FullName), e => Path.GetFileName(e) == "wal");
                var owner = await RunAsync("stat", ["-c", "%u", wal], TimeSpan.FromSeconds(10));
                Assert.Equal($"{ImageUser}", owner.Output.Trim());
            }
            finally
            {
                server.Kill();
            }
        }
        finally
        {
            app.Delete(recursive: true);
            data.Delete(recursive: true);
        }
    }

    // A build server or reused MSBuild node outlives the command and would hold its output open.
    private static readonly Dictionary<string, string> NoBuildServers = new() { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0" };

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, TimeSpan deadline, string? directory = null)
    {
        var result = await ProcessRun.RunAsync(file, arguments, deadline, NoBuildServers, directory);
        return (result.ExitCode, result.Output + result.Errors);
    }

    [GeneratedRegex(@"^EXPOSE ([0-9 ]+)$", RegexOptions.Multiline)]
    private static partial Regex Expose();
}
