using DumGum.Conversations;
using Microsoft.Extensions.Time.Testing;

namespace DumGum.Tests.Conversations;

/// <summary>
/// Runs give way to accepting (docs/behaviour.md, "Overload"): on a fake clock, slow accepts while work is queued for
/// the CPU shrink the number of runs allowed at once; fast accepts, or none, let it grow back. The "CPU is behind"
/// reading is a settable number here, so each case states it.
/// </summary>
public sealed class RunAdmissionTests
{
    static readonly TimeSpan Target = TimeSpan.FromMilliseconds(15);
    readonly FakeTimeProvider clock = new();
    long queued;

    RunAdmission Admission(int max = 64) => new(max, Target, clock, () => queued);

    /// <summary>One tick of the clock with one accept that took <paramref name="took"/>.</summary>
    void TickWithAccept(RunAdmission admission, TimeSpan took)
    {
        var started = admission.Now();
        clock.Advance(took);
        admission.AcceptTook(started);
        clock.Advance(RunAdmission.Tick - took);
    }

    /// <summary>Holds <paramref name="admission"/> at the floor of 2 with a slow accept and takes both slots; returns the first.</summary>
    async Task<RunAdmission.Slot> FillAtTheFloorAsync(RunAdmission admission)
    {
        queued = 10;
        TickWithAccept(admission, TimeSpan.FromMilliseconds(40));
        Assert.Equal(RunAdmission.Floor, admission.Limit);
        var first = admission.EnterAsync(TestContext.Current.CancellationToken);
        var second = admission.EnterAsync(TestContext.Current.CancellationToken);
        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully);
        await second;
        return await first;
    }

    [Fact]
    public void Slow_accepts_while_the_cpu_is_behind_halve_the_runs_down_to_the_floor()
    {
        using var admission = Admission();
        queued = 10;
        TickWithAccept(admission, TimeSpan.FromMilliseconds(40));
        Assert.Equal(32, admission.Limit);
        TickWithAccept(admission, TimeSpan.FromMilliseconds(40));
        Assert.Equal(16, admission.Limit);
        for (var i = 0; i < 10; i++) TickWithAccept(admission, TimeSpan.FromMilliseconds(40));
        Assert.Equal(RunAdmission.Floor, admission.Limit);
    }

    [Fact]
    public void Fast_accepts_grow_the_limit_back_and_no_accepts_restore_it_at_once()
    {
        using var admission = Admission();
        queued = 10;
        for (var i = 0; i < 10; i++) TickWithAccept(admission, TimeSpan.FromMilliseconds(40));
        Assert.Equal(RunAdmission.Floor, admission.Limit);

        TickWithAccept(admission, TimeSpan.FromMilliseconds(2));
        Assert.Equal(3, admission.Limit);   // + max(1, a quarter)
        TickWithAccept(admission, TimeSpan.FromMilliseconds(2));
        Assert.Equal(4, admission.Limit);
        TickWithAccept(admission, TimeSpan.FromMilliseconds(2));
        Assert.Equal(5, admission.Limit);

        clock.Advance(RunAdmission.Tick);   // a tick without any accept: nothing to protect
        Assert.Equal(64, admission.Limit);
    }

    [Fact]
    public void Slow_accepts_on_an_idle_cpu_do_not_hold_runs_back()
    {
        using var admission = Admission();
        queued = 0;   // a slow disk, say: fewer runs would not make it faster
        for (var i = 0; i < 5; i++) TickWithAccept(admission, TimeSpan.FromMilliseconds(80));
        Assert.Equal(64, admission.Limit);
    }

    [Fact]
    public async Task A_run_past_the_limit_waits_for_a_slot_and_goes_when_one_is_freed()
    {
        using var admission = Admission(max: 4);
        var first = await FillAtTheFloorAsync(admission);
        var third = admission.EnterAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(third.IsCompleted);

        first.Dispose();
        await third.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(2, admission.Running);
    }

    [Fact]
    public async Task Raising_the_limit_lets_waiting_runs_go_and_a_cancelled_wait_keeps_no_slot()
    {
        using var admission = Admission(max: 4);
        await FillAtTheFloorAsync(admission);

        using var cancel = new CancellationTokenSource();
        var cancelled = admission.EnterAsync(cancel.Token).AsTask();
        var waiting = admission.EnterAsync(TestContext.Current.CancellationToken).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        clock.Advance(RunAdmission.Tick);   // no accepts: back to 4, so the live waiter goes and the cancelled one takes nothing
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(3, admission.Running);
    }

    [Fact]
    public void With_the_target_at_zero_the_limit_never_moves()
    {
        using var admission = new RunAdmission(8, TimeSpan.Zero, clock, () => 10);
        TickWithAccept(admission, TimeSpan.FromMilliseconds(90));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(8, admission.Limit);
    }
}
