using DumGum.Conversations;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DumGum.Tests.Hosting;

/// <summary>
/// The delivery dispatcher is a hosted service of its own: the host starts and stops it, not the conversation scheduler,
/// and it starts first, so the pending events of the outbox are adopted before any run can write new ones.
/// </summary>
public sealed class DeliveryDispatcherHostingTests
{
    [Fact]
    public void The_host_starts_the_dispatcher_before_the_scheduler()
    {
        using var host = DumGumHost.Start();
        var hosted = host.Services.GetServices<IHostedService>().ToList();
        var dispatcher = host.Services.GetRequiredService<DeliveryDispatcher>();

        var dispatcherAt = hosted.FindIndex(h => ReferenceEquals(h, dispatcher));
        var schedulerAt = hosted.FindIndex(h => h is ConversationScheduler);
        Assert.True(dispatcherAt >= 0, "the dispatcher is not a hosted service");
        Assert.True(schedulerAt > dispatcherAt, $"the scheduler (#{schedulerAt}) starts before the dispatcher (#{dispatcherAt})");
        Assert.Equal(1, hosted.Count(h => h is DeliveryDispatcher));
    }
}
