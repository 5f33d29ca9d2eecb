using System.Net;
using System.Net.Sockets;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// Ports on 127.0.0.1 that nothing listens on now, for processes a test starts. They come from below the
/// kernel's ephemeral range (ip_local_port_range, 32768 and up by default). A port the OS picked from the
/// ephemeral range and then released could be taken, before the child process binds it, as the local port of
/// any outgoing connection on the machine; the child then failed to start. That happened once in a full run.
/// Below that range only an explicit bind takes a port, and this process hands each port out once.
/// </summary>
public static class FreePorts
{
    private const int PoolStart = 20000;
    private static readonly object Gate = new();
    private static readonly int PoolEnd = Math.Min(32768, EphemeralRangeStart());
    private static int next = PoolStart + Random.Shared.Next(Math.Max(1, PoolEnd - PoolStart));

    public static int[] Take(int count)
    {
        lock (Gate)
        {
            var ports = new List<int>(count);
            for (var tried = 0; ports.Count < count; tried++)
            {
                if (tried > PoolEnd - PoolStart) throw new InvalidOperationException($"no free port on 127.0.0.1 in {PoolStart}-{PoolEnd - 1}");
                var port = next;
                next = next + 1 >= PoolEnd ? PoolStart : next + 1;
                if (IsFree(port)) ports.Add(port);
            }

            return [.. ports];
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port the kernel hands out for outgoing connections (32768 when it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
