namespace DumGum.Storage;

/// <summary>
/// The <c>Storage</c> settings checked at start. <c>Storage:Provider</c>, <c>Storage:Sqlite:Path</c> and
/// <c>ConnectionStrings:Postgres</c> are read by <see cref="Database.FromConfiguration"/>, which refuses a bad one itself.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>What the start checks: a bad value fails it, naming the key.</summary>
    public static OptionsRules<StorageOptions> Rules(OptionsRules<StorageOptions> rules) => rules
        .Require(nameof(Topology), o => o.Topology, o => o.Topology is null || Enum.IsDefined(o.Topology.Value), "be SingleNode or Cluster");

    /// <summary>
    /// <c>SingleNode</c> or <c>Cluster</c> (<see cref="StorageTopology"/>); unset: <c>Cluster</c> on PostgreSQL,
    /// <c>SingleNode</c> on SQLite. A SQLite file that several server processes share needs <c>Cluster</c>.
    /// </summary>
    public StorageTopology? Topology { get; set; }
}
