using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Streaming.Gateway.Widgets;

/// <summary>
/// Bounds the open SSE streams of this instance (<see cref="WidgetOptions.MaxSubscribers"/>) and of each client
/// address (<see cref="WidgetOptions.MaxSubscribersPerClient"/>), so that one client cannot take them all. An IPv6
/// client counts by its /64, which one subscriber line usually gets whole.
/// </summary>
public sealed class SubscriberSlots(IOptions<WidgetOptions> options)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, int> perClient = new(StringComparer.Ordinal);
    private int open;

    public int Open
    {
        get
        {
            lock (gate)
            {
                return open;
            }
        }
    }

    /// <summary>Client addresses with a stream open (each counted once).</summary>
    public int Clients
    {
        get
        {
            lock (gate)
            {
                return perClient.Count;
            }
        }
    }

    public int Max => options.Value.MaxSubscribers;

    public int MaxPerClient => options.Value.MaxSubscribersPerClient;

    /// <summary>A slot to dispose when the stream ends, or null with what is full.</summary>
    public IDisposable? TryTake(IPAddress? client, out SlotRefusal refusal)
    {
        var key = ClientKey(client);
        lock (gate)
        {
            if (open >= Max)
            {
                refusal = SlotRefusal.InstanceFull;
                return null;
            }

            var ofClient = perClient.GetValueOrDefault(key);
            if (ofClient >= MaxPerClient)
            {
                refusal = SlotRefusal.ClientFull;
                return null;
            }

            perClient[key] = ofClient + 1;
            open++;
        }

        refusal = SlotRefusal.None;
        return new Slot(this, key);
    }

    /// <summary>The address as streams are counted: IPv4 (also when mapped into IPv6) whole, IPv6 by its /64.</summary>
    public static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private void Release(string key)
    {
        lock (gate)
        {
            open--;
            if (perClient[key] == 1)
            {
                perClient.Remove(key);
            }
            else
            {
                perClient[key]--;
            }
        }
    }

    private sealed class Slot(SubscriberSlots owner, string key) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}

public enum SlotRefusal
{
    None,

    /// <summary>This instance serves its maximum of streams: 503.</summary>
    InstanceFull,

    /// <summary>This client address has its maximum open: 429.</summary>
    ClientFull,
}
