namespace DumGum.Projects;

/// <summary>What the memory webhook sends: the whole memory of the pair, or only what changed (docs/memory.md).</summary>
public static class MemoryWebhookModes
{
    public const string FullState = "FULL_STATE";
    public const string ChangesOnly = "CHANGES_ONLY";
    public static readonly IReadOnlyList<string> All = [FullState, ChangesOnly];
}
