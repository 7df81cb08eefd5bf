namespace Streaming.Orleans.Feeds;

/// <summary>One grain a record goes to: its kind (the service's name for a grain interface) and its key.</summary>
public readonly record struct FeedTarget(string Grain, string Key)
{
    /// <summary>Longest key a feed sends to a grain: a longer one is refused (the record is dead-lettered).</summary>
    public const int MaxKeyLength = 512;

    /// <summary>
    /// Why Orleans or the feed refuses <paramref name="key"/> as a grain key (null: it is fine): empty, blank, longer
    /// than <see cref="MaxKeyLength"/>, or with a control character or a lone surrogate.
    /// </summary>
    public static string? Refuses(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "is empty";
        }

        if (key.Length > MaxKeyLength)
        {
            return $"is longer than {MaxKeyLength} characters";
        }

        var blank = true;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsControl(c))
            {
                return "has a control character";
            }

            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
            {
                i++;
                blank = false;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return "has a lone surrogate";
            }

            blank &= char.IsWhiteSpace(c);
        }

        return blank ? "is blank" : null;
    }

    public override string ToString() => Grain + "/" + Key;
}

/// <summary>What a grain answered to a feed call.</summary>
/// <param name="Activation">
/// The activation that applied the records: if a later call or flush of the same grain answers another one, what this
/// one applied was not written (it was lost, or it took the stored state after a conflict) and the partition is read again.
/// </param>
/// <param name="Written">The grain wrote its state with these records (a call made with <c>write: true</c> that could write).</param>
public readonly record struct FeedReply(Guid Activation, bool Written = false);
