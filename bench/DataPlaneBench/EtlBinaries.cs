namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// Which build of the router, sidecar and connector the etl-router setup runs. By default as they ship: the Release
/// builds of the router and connector run by `dotnet` with DOTNET_ReadyToRun=0, the sidecar as its Native AOT
/// executable (.artifacts/sidecar-aot, published by bench/run). BENCH_ETL_PUBLISHED=DIR runs self-contained
/// publishes instead (DIR/router/etl-router, DIR/sidecar/etl-sidecar, DIR/connector/etl-connector), as they
/// are, without the variable: how a ReadyToRun composite image measures (bench/README.md). A sidecar may be a
/// native executable of its own (<see cref="WithNativeSidecar"/>, Native AOT), the rest staying as shipped.
/// </summary>
public sealed record EtlBinaries(string Router, string Sidecar, string Connector, bool Published, bool NativeSidecar = false)
{
    /// <summary>Environment every sidecar of this build gets on top of its settings (GC settings under test).</summary>
    public IReadOnlyDictionary<string, string> SidecarEnvironment { get; init; } = new Dictionary<string, string>();

    public EtlBinaries WithNativeSidecar(string executable) => this with { Sidecar = executable, NativeSidecar = true };

    public void StartSidecar(Processes processes, string role, Dictionary<string, string> env)
    {
        foreach (var (key, value) in SidecarEnvironment) env[key] = value;
        if (NativeSidecar) processes.StartExecutable(role, Sidecar, [], env, serverJit: false);
        else Start(processes, role, Sidecar, [], env);
    }

    public static EtlBinaries For(string repo)
    {
        if (Environment.GetEnvironmentVariable("BENCH_ETL_PUBLISHED") is { Length: > 0 } dir)
            return new(Path.Combine(dir, "router", "etl-router"), Path.Combine(dir, "sidecar", "etl-sidecar"), Path.Combine(dir, "connector", "etl-connector"), true);

        string Dll(string project, string name) => Path.Combine(repo, project, "bin", "Release", "net10.0", $"{name}.dll");
        var jit = new EtlBinaries(Dll("RouterRuntime", "etl-router"), Dll("Sidecar", "etl-sidecar"), Dll("Connectors", "etl-connector"), false);

        // The sidecar as it ships: the Native AOT executable bench/run publishes; the JIT build when it is missing.
        var native = Path.Combine(repo, ".artifacts", "sidecar-aot", "etl-sidecar");
        if (File.Exists(native)) return jit.WithNativeSidecar(native);
        Console.WriteLine($"no Native AOT sidecar at {native}: the sidecars run as the JIT build (bench/run publishes it)");
        return jit;
    }

    public void Start(Processes processes, string role, string binary, IEnumerable<string> args, Dictionary<string, string>? env = null)
    {
        if (Published) processes.StartExecutable(role, binary, args, env, serverJit: false);
        else processes.Start(role, binary, args, env);
    }
}
