using Streaming.Reposts;

namespace Streaming.Topology.Tests.Windowing;

/// <summary>The table of remembered event identities: recall, expiry, memory per identity, journal and restore.</summary>
public sealed class RememberedEventsTests
{
    private const uint Now = 1_800_000_000;

    [Fact]
    public void An_identity_is_new_once_then_a_repeat_or_changed_until_it_expires()
    {
        var table = new RememberedEvents();
        Assert.Equal(Remembered.New, table.Remember(42, content: 7, expiresAt: Now + 60, now: Now));
        Assert.Equal(Remembered.Repeat, table.Remember(42, 7, Now + 60, Now));
        Assert.Equal(Remembered.Changed, table.Remember(42, 8, Now + 60, Now));
        Assert.Equal(Remembered.New, table.Remember(0, 7, Now + 60, Now)); // 0 marks empty slots internally: still an id
        Assert.Equal(Remembered.Repeat, table.Remember(0, 7, Now + 60, Now));

        // Past its expiry the identity is forgotten: the same id is a new event (its window is past the horizon anyway).
        Assert.Equal(Remembered.New, table.Remember(42, 7, Now + 200, now: Now + 60));
        Assert.Equal(Remembered.Repeat, table.Remember(42, 7, Now + 200, Now + 60));
    }

    [Fact]
    public void Extending_remembers_an_identity_until_its_latest_copy_expires_with_its_first_content()
    {
        var table = new RememberedEvents(keepJournal: false);
        Assert.Equal(Remembered.New, table.Remember(42, content: 7, expiresAt: Now + 60, now: Now, extend: true));
        Assert.Equal(Remembered.Changed, table.Remember(42, 8, Now + 110, Now + 50, extend: true));

        // Past the first copy's expiry, within the latest's: still remembered, with the first content.
        Assert.Equal(Remembered.Repeat, table.Remember(42, 7, Now + 170, Now + 100, extend: true));
        Assert.Equal(Remembered.New, table.Remember(42, 7, Now + 300, Now + 170, extend: true));

        // Without extending, a copy does not move the expiry; and a table without a journal takes none.
        Assert.Equal(Remembered.Repeat, table.Remember(42, 7, Now + 400, Now + 200));
        Assert.Equal(Remembered.New, table.Remember(42, 7, Now + 500, Now + 300));
        Assert.Equal(0, table.TakeJournal().Count);
    }

    [Fact]
    public void Memory_per_identity_stays_between_21_and_43_bytes_and_expired_ones_make_room()
    {
        var table = new RememberedEvents();
        var random = new Random(3);
        for (var i = 1; i <= 200_000; i++)
        {
            table.Remember((ulong)random.NextInt64(), 1, Now + 3_600, Now);
            if (i >= 2_000 && i % 997 == 0)
            {
                var bytesPerId = (double)table.Bytes / table.Count;
                Assert.InRange(bytesPerId, 21.3, 42.7);
            }
        }

        // An hour later all of them are expired: the next growth point drops them instead of growing.
        var before = table.Bytes;
        for (var i = 0; i < 200_000; i++)
        {
            table.Remember((ulong)random.NextInt64(), 1, Now + 7_300, now: Now + 3_600);
        }

        Assert.Equal(before, table.Bytes);
        Assert.Equal(200_000, table.Count);
    }

    [Fact]
    public void The_journal_holds_what_was_remembered_since_it_was_taken_and_restores_without_the_expired()
    {
        var table = new RememberedEvents();
        for (ulong id = 1; id <= 100; id++)
        {
            table.Remember(id, (uint)id, Now + (uint)id, Now);
        }

        var first = table.TakeJournal();
        table.Remember(5, 5, Now + 5, Now); // a repeat: not journaled
        table.Remember(1_000, 1, Now + 500, Now);
        var second = table.TakeJournal();
        Assert.Equal((100, Now + 100), (first.Count, first.ExpiresBy));
        Assert.Equal((1, Now + 500, 16), (second.Count, second.ExpiresBy, second.Bytes.Length));

        var restored = new RememberedEvents();
        restored.Restore([first.Bytes, second.Bytes], now: Now + 50); // ids 1..50 have expired
        Assert.Equal(51, restored.Count);
        Assert.Equal(Remembered.New, restored.Remember(50, 50, Now + 50, Now + 50));
        Assert.Equal(Remembered.Repeat, restored.Remember(51, 51, Now + 51, Now + 50));
        Assert.Equal(Remembered.Changed, restored.Remember(1_000, 2, Now + 500, Now + 50));
        Assert.Equal(1, restored.TakeJournal().Count); // only id 50, remembered after the restore
    }
}
