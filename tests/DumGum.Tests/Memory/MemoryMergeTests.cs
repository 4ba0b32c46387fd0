using DumGum.Memory;

namespace DumGum.Tests.Memory;

/// <summary>The merge rule (docs/memory.md, "Storage and merging").</summary>
public sealed class MemoryMergeTests
{
    static readonly DateTimeOffset T0 = new(2026, 3, 14, 8, 30, 0, TimeSpan.Zero);

    static MemoryCandidate Fact(string key, string description, string? slot, string category = MemoryCategories.Location,
        string target = MemoryTargets.User, string[]? tags = null) =>
        new()
        {
            UniqueIdentifier = key, Target = target, Category = category, Description = description,
            EventStartDate = new DateOnly(2026, 4, 18), SourceText = "source", Tags = tags ?? ["x"], Slot = slot,
        };

    [Fact]
    public void A_new_fact_is_added_and_the_same_fact_again_changes_nothing()
    {
        var first = MemoryMerge.Merge([], [Fact("user_lives_in_madrid", "Lives in Madrid", "user_location")], T0);
        Assert.Equal(["user_lives_in_madrid"], first.Added.Select(m => m.UniqueIdentifier));
        Assert.Null(first.Added[0].EventStartDate);   // dates only for EVENT
        var again = MemoryMerge.Merge(first.State, [Fact("user_lives_in_madrid", "Lives in Madrid", "user_location")], T0.AddHours(1));
        Assert.True(again.IsEmpty);
        Assert.Equal(T0, again.State.Single().Timestamp);
    }

    [Fact]
    public void The_same_key_with_new_content_updates_in_place_with_a_new_timestamp()
    {
        var first = MemoryMerge.Merge([], [Fact("user_job", "Works as a nurse", null, MemoryCategories.Occupation)], T0);
        var updated = MemoryMerge.Merge(first.State, [Fact("user_job", "Works as a night nurse", null, MemoryCategories.Occupation)], T0.AddHours(1));
        Assert.Equal("Works as a night nurse", updated.Added.Single().Description);
        Assert.Equal(T0.AddHours(1), updated.State.Single().Timestamp);
        Assert.Empty(updated.Deleted);
    }

    [Fact]
    public void A_contradiction_replaces_the_old_memory_with_a_reason_from_the_new_fact()
    {
        var first = MemoryMerge.Merge([], [Fact("user_lives_in_madrid", "Lives in Madrid", "user_location")], T0);
        var moved = MemoryMerge.Merge(first.State, [Fact("user_lives_in_valencia", "Lives in Valencia", "user_location")], T0.AddDays(1));
        Assert.Equal([new DeletedMemory("user_lives_in_madrid", "User said they live in Valencia")], moved.Deleted);
        Assert.Equal(["user_lives_in_valencia"], moved.State.Select(m => m.UniqueIdentifier));
    }

    [Theory]
    [InlineData("Is called Marta", MemoryTargets.Persona, "Persona said they are called Marta")]
    [InlineData("Has a cat called Miso", MemoryTargets.User, "User said they have a cat called Miso")]
    [InlineData("Studies law", MemoryTargets.User, "User said they study law")]
    [InlineData("Teaches maths", MemoryTargets.User, "User said they teach maths")]
    public void Reasons_read_naturally(string description, string target, string reason) =>
        Assert.Equal(reason, MemoryMerge.Reason(MemoryMerge.ToItem(Fact("k", description, null, target: target), T0)));

    [Fact]
    public void Tags_are_capped_at_ten_and_events_keep_their_dates()
    {
        var item = MemoryMerge.ToItem(Fact("user_exam", "Has an exam", null, MemoryCategories.Event,
            tags: [.. Enumerable.Range(0, 14).Select(i => "t" + i)]), T0);
        Assert.Equal(10, item.Tags.Count);
        Assert.Equal(new DateOnly(2026, 4, 18), item.EventStartDate);
    }
}
