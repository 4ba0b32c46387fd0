using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Dashboard;

namespace DumGum.Tests.Vision;

/// <summary>The Response explorer shows what Vision Link did for a run (here: skipped, the offline engine has no vision model).</summary>
public sealed class VisionExplorerTests : IAsyncLifetime
{
    const string User = "u-seen", Persona = "p-seen";

    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [Fact]
    public async Task A_runs_detail_says_why_vision_was_skipped()
    {
        session.Customer.AddPair(User, Persona, "Hi! Look at my dog");
        using (var response = await session.Host.EnqueueAsync(session.Project.Key, new
        {
            userProfileId = User, personaProfileId = Persona, language = "EN",
            replyParameters = new { bufferSeconds = 0, vision = new { sharedPicturesAnalysis = true } },
        }))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await session.Customer.WaitForEventAsync(DumGum.Webhooks.Events.AnswerCreated, User, seconds: 30);
        long runId;
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var items = (await session.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{session.Project.Id}/runs"))["items"]!.AsArray();
            if (items.Count > 0) { runId = (long)items[0]!["id"]!; break; }
            Assert.True(DateTime.UtcNow < until, "the run was never recorded");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        // The page as the server renders it (no browser needed for static text).
        using var forms = new DashboardForms(session.Host.BaseAddress);
        using (var signIn = await forms.SignInAsync()) Assert.True((int)signIn.StatusCode is >= 200 and < 400);
        using var page = await forms.GetAsync($"/dashboard/projects/{session.Project.Id}/responses?run={runId}");
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Vision Link: skipped, no vision model is configured", html, StringComparison.Ordinal);
    }
}
