using System.Net;
using System.Net.Sockets;

namespace EtlRouter.Tests.Support;

/// <summary>Ports on 127.0.0.1 nothing listens on now (the OS picks; held briefly, then handed to a process).</summary>
public static class FreePorts
{
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners) listener.Stop();
        return ports;
    }
}
