using System.Net;
using System.Net.Sockets;

namespace Streaming.LocalServers;

/// <summary>Ports on 127.0.0.1 for the servers this project starts on one machine.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free right now (the OS picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Returns <paramref name="port"/> if it is free, else fails with a message that says what to do.</summary>
    public static int EnsureFree(int port, string what)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return port;
        }
        catch (SocketException)
        {
            throw new InvalidOperationException(
                $"Port {port} for {what} is in use. Stop whatever holds it (ss -ltnp 'sport = :{port}') or choose another port.");
        }
    }

    /// <summary>A free port when <paramref name="wanted"/> is 0, else <paramref name="wanted"/> if it is free.</summary>
    public static int FreeOr(int wanted, string what) => wanted == 0 ? Free() : EnsureFree(wanted, what);
}
