using System.Net.Sockets;
using System.Text;
using Streaming.LocalServers;

namespace Streaming.IntegrationTests;

/// <summary>The Redis the profile silos use on one machine: it answers, and a crash keeps what was written.</summary>
public sealed class LocalRedisServerTests
{
    [Fact]
    public async Task A_crashed_server_restarts_with_what_was_written_before()
    {
        await using var redis = await LocalRedisServer.StartAsync();
        Assert.Equal("+OK", await SendAsync(redis.Port, "SET grain-state kept"));

        await redis.CrashAndRestartAsync(TimeSpan.Zero);

        Assert.Equal("$4\r\nkept", await SendAsync(redis.Port, "GET grain-state"));
    }

    [Fact]
    public async Task A_disposed_server_no_longer_answers()
    {
        var redis = await LocalRedisServer.StartAsync();
        Assert.True(await redis.PingAsync());

        await redis.DisposeAsync();

        Assert.False(await redis.PingAsync());
    }

    /// <summary>One inline command; the reply's first line (and the bulk string's value, when there is one).</summary>
    private static async Task<string> SendAsync(int port, string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd('\r', '\n');
    }
}
