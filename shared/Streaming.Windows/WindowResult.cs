namespace Streaming.Windows;

/// <summary>
/// The result for one key in one window. (WindowStart, Key, Revision) is its identity: a re-emit with the
/// same identity is a duplicate; a higher revision corrects a lower one.
/// </summary>
public readonly record struct WindowResult<TKey, TValue>(DateTimeOffset WindowStart, TKey Key, int Revision, TValue Value);
