namespace DumGum;

/// <summary>This process's name on leases: new at every start, so a restarted node never mistakes an old lease for its own.</summary>
public sealed class NodeIdentity
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Ids.New("", 6)}";
}
