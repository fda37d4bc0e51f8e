using System.Net;
using System.Net.Sockets;

namespace Hub.Tests.Infrastructure;

public static class Ports
{
    /// <summary>A loopback port the OS says is free now (for servers the tests start: Azurite, the Durable engine).</summary>
    public static int FreeLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
