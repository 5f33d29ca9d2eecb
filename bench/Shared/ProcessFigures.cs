using System.Globalization;

namespace EtlRouter.Bench;

/// <summary>
/// A process's CPU time and memory as Linux's /proc reports them: the one way every benchmark measures a process
/// (compiled into each bench), so figures from different benches can be compared.
/// </summary>
public static class ProcessFigures
{
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU seconds so far; 0 when the process is gone.</summary>
    public static double CpuSeconds(int? pid)
    {
        try
        {
            if (pid is not { } id) return 0;
            var stat = File.ReadAllText($"/proc/{id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Resident set now and at its peak, in MiB.</summary>
    public static (double Now, double Peak) RssMiB(int? pid)
    {
        try
        {
            if (pid is not { } id) return (0, 0);
            var lines = File.ReadAllLines($"/proc/{id}/status");
            return (Kib(lines, "VmRSS:") / 1024.0, Kib(lines, "VmHWM:") / 1024.0);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    private static long Kib(string[] lines, string field) =>
        lines.FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) is { } line
            ? long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)
            : 0;
}
