using Streaming.Profiles.Contracts;

namespace Streaming.Profiles.Profiles;

/// <summary>Where a grain's changes go (profile-changes on Kafka; a recorder in tests). Must not block.</summary>
public interface IProfileChangeSink
{
    void Publish(ProfileChange change);
}
