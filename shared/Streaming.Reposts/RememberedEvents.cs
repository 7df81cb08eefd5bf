using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Streaming.Reposts;

/// <summary>What <see cref="RememberedEvents.Remember"/> found.</summary>
public enum Remembered
{
    /// <summary>Not seen within the horizon: now remembered, count it.</summary>
    New,

    /// <summary>Seen before with the same content: a re-send, drop it.</summary>
    Repeat,

    /// <summary>Seen before with other content: the first copy counts, this one is refused.</summary>
    Changed,
}

/// <summary>
/// The identities of the events a task counted, each until its window is past the correction horizon: an
/// open-addressing table (linear probing) of 16-byte entries (64-bit id hash, 32-bit content fingerprint, 32-bit
/// expiry in Unix seconds). One probe sequence per event, whatever its window, so a re-send is recognised even when
/// its copy names another minute. Expired entries are dropped when the table fills up, before it grows, so memory
/// follows the events within the horizon (16 bytes per slot, the table between 3/8 and 3/4 full, so 21 to 43 bytes per identity). New entries are also
/// journaled, so that a checkpoint writes each identity once (<see cref="TakeJournal"/>) rather than the whole table.
/// Public for the profiles silo, which keeps one per product-events partition in memory only (no journal), each
/// identity until the horizon after its latest copy (<c>extend</c>).
/// </summary>
/// <param name="keepJournal">Whether new entries are journaled for <see cref="TakeJournal"/>: only when it is called.</param>
public sealed class RememberedEvents(bool keepJournal = true)
{
    public const int EntryBytes = 16;
    private const int MinCapacity = 1024;
    private readonly bool journaling = keepJournal;
    private Entry[] slots = new Entry[MinCapacity];
    private int count;
    private Entry[] journal = keepJournal ? new Entry[MinCapacity] : [];
    private int journaled;
    private uint journalExpiresBy;

    public int Count => count;

    /// <summary>Bytes held by the table (its slots).</summary>
    public long Bytes => (long)slots.Length * EntryBytes;

    /// <param name="expiresAt">Unix seconds (rounded up) when the event's window passes the correction horizon.</param>
    /// <param name="now">The watermark in Unix seconds (rounded down): entries expiring at or before it are forgotten.</param>
    /// <param name="extend">A copy also extends the remembered entry's expiry to <paramref name="expiresAt"/> (when later),
    /// so an identity is remembered until the horizon after its latest copy; its first content stays.</param>
    public Remembered Remember(ulong id, uint content, uint expiresAt, uint now, bool extend = false)
    {
        id = id == 0 ? 1 : id; // 0 marks an empty slot
        while (true)
        {
            var mask = slots.Length - 1;
            ref var first = ref MemoryMarshal.GetArrayDataReference(slots);
            var i = (int)id & mask;
            while (true)
            {
                ref var slot = ref Unsafe.Add(ref first, i);
                if (slot.Id == 0)
                {
                    break;
                }

                if (slot.Id == id)
                {
                    if (slot.ExpiresAt > now)
                    {
                        if (extend && expiresAt > slot.ExpiresAt)
                        {
                            slot = slot with { ExpiresAt = expiresAt };
                            Journal(slot);
                        }

                        return slot.Content == content ? Remembered.Repeat : Remembered.Changed;
                    }

                    slot = new Entry(id, content, expiresAt); // the remembered copy is past the horizon
                    Journal(slot);
                    return Remembered.New;
                }

                i = (i + 1) & mask;
            }

            if ((count + 1) * 4L > slots.Length * 3L)
            {
                Rebuild(now); // then probe again in the new table
                continue;
            }

            var entry = new Entry(id, content, expiresAt);
            Unsafe.Add(ref first, i) = entry;
            count++;
            Journal(entry);
            return Remembered.New;
        }
    }

    /// <summary>
    /// The entries remembered since the previous call, 16 bytes each (little-endian id, content, expiry), with the
    /// latest expiry among them: a checkpoint's new segment. Empties the journal.
    /// </summary>
    public (byte[] Bytes, int Count, uint ExpiresBy) TakeJournal()
    {
        var bytes = new byte[journaled * EntryBytes];
        for (var i = 0; i < journaled; i++)
        {
            var entry = bytes.AsSpan(i * EntryBytes, EntryBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, journal[i].Id);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], journal[i].Content);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], journal[i].ExpiresAt);
        }

        var taken = (bytes, journaled, journalExpiresBy);
        (journaled, journalExpiresBy) = (0, 0);
        if (journal.Length > MinCapacity * 64)
        {
            journal = new Entry[MinCapacity]; // a burst's journal is not kept for good
        }

        return taken;
    }

    /// <summary>Replaces the entries with those of a checkpoint's segments that are not expired at <paramref name="now"/>; the journal starts empty.</summary>
    public void Restore(IReadOnlyList<ReadOnlyMemory<byte>> segments, uint now)
    {
        var entries = segments.Sum(s => s.Length / EntryBytes);
        slots = new Entry[CapacityFor(entries)];
        (count, journaled, journalExpiresBy) = (0, 0, 0);
        foreach (var segment in segments)
        {
            var span = segment.Span;
            for (var at = 0; at + EntryBytes <= span.Length; at += EntryBytes)
            {
                var entry = span.Slice(at, EntryBytes);
                var expiresAt = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);
                if (expiresAt > now)
                {
                    Insert(new Entry(BinaryPrimitives.ReadUInt64LittleEndian(entry), BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]), expiresAt));
                }
            }
        }
    }

    /// <summary>A table at most half full with the live entries: drops the expired ones, grows or shrinks.</summary>
    private void Rebuild(uint now)
    {
        var old = slots;
        var live = 0;
        foreach (ref readonly var slot in old.AsSpan())
        {
            live += slot.Id != 0 && slot.ExpiresAt > now ? 1 : 0;
        }

        slots = new Entry[CapacityFor(live)]; // shrinks too, when traffic fell
        count = 0;
        foreach (ref readonly var slot in old.AsSpan())
        {
            if (slot.Id != 0 && slot.ExpiresAt > now)
            {
                Insert(slot);
            }
        }
    }

    private void Journal(Entry entry)
    {
        if (!journaling)
        {
            return;
        }

        if (journaled == journal.Length)
        {
            Array.Resize(ref journal, journal.Length * 2);
        }

        journal[journaled++] = entry;
        journalExpiresBy = Math.Max(journalExpiresBy, entry.ExpiresAt);
    }

    private void Insert(Entry entry)
    {
        var mask = slots.Length - 1;
        var i = (int)entry.Id & mask;
        while (slots[i].Id != 0 && slots[i].Id != entry.Id)
        {
            i = (i + 1) & mask;
        }

        count += slots[i].Id == 0 ? 1 : 0;
        slots[i] = entry;
    }

    /// <summary>At most half full: the table doubles when it reaches 3/4.</summary>
    private static int CapacityFor(int entries) => (int)Math.Max(MinCapacity, BitOperations.RoundUpToPowerOf2(((ulong)entries * 2) + 2));

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Entry(ulong Id, uint Content, uint ExpiresAt);
}
