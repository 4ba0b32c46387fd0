using System.Collections.Concurrent;
using System.Net;

namespace DumGum.Dashboard;

/// <summary>
/// Slows down guessing of the admin token: after 3 failed sign-ins from one client address, each further attempt must
/// wait 2^(n−3) seconds after the last failure (at most 5 minutes). A success clears the address. Bounded: at most
/// <see cref="MaxAddresses"/> addresses are tracked, and entries idle for an hour are pruned.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int FreeAttempts = 3;
    public const int MaxAddresses = 10_000;
    static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);
    static readonly TimeSpan Forget = TimeSpan.FromHours(1);

    sealed record Failures(int Count, DateTimeOffset Last);

    readonly ConcurrentDictionary<IPAddress, Failures> failures = new();

    /// <summary>How long this address must still wait before its next attempt is even checked; zero when it may try.</summary>
    public TimeSpan WaitFor(IPAddress? address)
    {
        if (address is null || !failures.TryGetValue(address, out var f) || f.Count < FreeAttempts) return TimeSpan.Zero;
        var wait = Backoff(f.Count) - (clock.GetUtcNow() - f.Last);
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    public void Failed(IPAddress? address)
    {
        if (address is null) return;
        if (failures.Count >= MaxAddresses) Prune();
        var now = clock.GetUtcNow();
        failures.AddOrUpdate(address, _ => new Failures(1, now), (_, f) => new Failures(f.Count + 1, now));
    }

    public void Succeeded(IPAddress? address)
    {
        if (address is not null) failures.TryRemove(address, out _);
    }

    static TimeSpan Backoff(int count)
    {
        var seconds = Math.Pow(2, Math.Min(count - FreeAttempts, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxWait.TotalSeconds));
    }

    void Prune()
    {
        var now = clock.GetUtcNow();
        foreach (var (address, f) in failures)
            if (now - f.Last > Forget) failures.TryRemove(address, out _);
        // Still full of recent failures (an attack from many addresses): drop the oldest half rather than grow.
        if (failures.Count >= MaxAddresses)
            foreach (var (address, _) in failures.OrderBy(p => p.Value.Last).Take(MaxAddresses / 2)) failures.TryRemove(address, out _);
    }
}
