using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using DumGum.Webhooks;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>
/// The Response explorer and Usage pages in a real browser, over a real host with one answered run and one dropped
/// run (the customer's profile endpoint answers 400 for one user: <c>CUSTOMER_ENDPOINT_FAILED</c>).
/// </summary>
public sealed class ExplorerAndUsageTests(BrowserFixture browsers) : IAsyncLifetime
{
    const string User = "u-answered", Broken = "u-broken", Persona = "p-explorer";

    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    DumGumHost Host => session.Host;
    string ProjectId => session.Project.Id;

    sealed record Produced(JsonObject Answer, JsonObject Drop, JsonObject AnswerDetail);

    /// <summary>Runs one conversation to an answer and one to a drop, and waits (admin API) until both are recorded and every event is delivered.</summary>
    async Task<Produced> ProduceRunsAsync()
    {
        session.Customer.AddPair(User, Persona, "Hi! How was your weekend?");
        session.Customer.AddPair(Broken, Persona, "Hello");
        session.Customer.ProfileHook = c => Task.FromResult<int?>(c.Request.Query["profileId"] == Broken ? 400 : null);
        foreach (var user in new[] { User, Broken })
            using (var r = await Host.EnqueueAsync(session.Project.Key, new
                   {
                       userProfileId = user, personaProfileId = Persona, language = "EN", replyParameters = new { bufferSeconds = 0 },
                   }))
                Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var items = (await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{ProjectId}/runs"))["items"]!.AsArray()
                .Select(i => i!.AsObject()).ToList();
            if (items.FirstOrDefault(i => (string?)i["outcome"] == "ANSWER") is { } answer
                && items.FirstOrDefault(i => (string?)i["outcome"] == "DROP") is { } drop)
            {
                var detail = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{ProjectId}/runs/{(long)answer["id"]!}");
                var dropDetail = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{ProjectId}/runs/{(long)drop["id"]!}");
                var events = detail["events"]!.AsArray().Concat(dropDetail["events"]!.AsArray()).ToList();
                if (events.Count > 0 && events.All(e => (string?)e!["status"] == "delivered" && e["attemptLog"]!.AsArray().Count > 0))
                    return new Produced(answer, drop, detail);
            }
            if (DateTime.UtcNow > until) throw new TimeoutException("the two runs were not recorded and delivered: " + string.Join(", ", items));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Response_explorer_lists_answers_and_drops_filters_them_and_shows_a_run_in_full()
    {
        var runs = await ProduceRunsAsync();
        var answerRunId = (long)runs.Answer["id"]!;
        var path = $"/dashboard/projects/{ProjectId}/responses";

        var page = await session.SignedInPageAsync(browsers.Browser, path);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Response explorer", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Response explorer" })).ToHaveAttributeAsync("aria-current", "page");
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Responses" }).Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        // Newest first: the two finish concurrently, so whichever was recorded last (the higher id) comes first.
        var firstIsDrop = (long)runs.Drop["id"]! > answerRunId;
        await Assertions.Expect(rows.Nth(firstIsDrop ? 0 : 1)).ToContainTextAsync("Drop CUSTOMER_ENDPOINT_FAILED");
        await Assertions.Expect(rows.Nth(firstIsDrop ? 1 : 0)).ToContainTextAsync("Answer");
        await Assertions.Expect(rows.Filter(new() { HasText = User })).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(page);

        // Filter by drop reason: only the drop, and the filter is in the address.
        await page.GetByLabel("Drop reason").SelectOptionAsync("CUSTOMER_ENDPOINT_FAILED");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        Assert.Contains("drop=CUSTOMER_ENDPOINT_FAILED", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(Broken);
        await rows.First.GetByRole(AriaRole.Link).ClickAsync();
        var detail = page.GetByRole(AriaRole.Complementary);
        await Assertions.Expect(detail).ToContainTextAsync("CUSTOMER_ENDPOINT_FAILED");
        await Assertions.Expect(detail.GetByRole(AriaRole.Region, new() { Name = "conversation.dropped", Exact = false })).ToContainTextAsync("delivered");
        await Assertions.Expect(detail).ToContainTextAsync("No reply: the conversation was dropped.");
        await BrowserFixture.AssertAccessibleAsync(page);

        // The answer's detail: the reply as sent, every event with its attempts, the itemisation, model and timings.
        await page.GotoAsync(path);
        await rows.Filter(new() { HasText = User }).GetByRole(AriaRole.Link).ClickAsync();
        Assert.Contains($"run={answerRunId}", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(detail.GetByRole(AriaRole.Heading, new() { Name = $"Response {answerRunId}" })).ToBeVisibleAsync();
        var text = (string)runs.AnswerDetail["answers"]![0]!["answer"]!["text"]!;
        await Assertions.Expect(detail.GetByRole(AriaRole.List, new() { Name = "Reply parts" })).ToContainTextAsync(text);
        var created = detail.GetByRole(AriaRole.Region, new() { Name = "answer.created", Exact = false }).First;
        await Assertions.Expect(created).ToContainTextAsync("delivered");
        var attempts = created.GetByRole(AriaRole.Table);
        await Assertions.Expect(attempts.Locator("tbody tr").First).ToContainTextAsync("204");
        await Assertions.Expect(attempts.Locator("tbody tr").First.Locator(".badge")).ToHaveClassAsync("badge ok");
        await Assertions.Expect(attempts.Locator("thead")).ToContainTextAsync("Latency");
        foreach (var e in runs.AnswerDetail["events"]!.AsArray())
            await Assertions.Expect(detail.GetByRole(AriaRole.Region, new() { Name = $"{(string)e!["event"]!} {(string)e["webhookId"]!}" }))
                .ToContainTextAsync("delivered");

        var blocks = runs.AnswerDetail["itemisation"]!["blocks"]!.AsArray();
        var blockRows = detail.GetByRole(AriaRole.Table, new() { Name = "Prompt blocks" }).Locator("tbody tr");
        await Assertions.Expect(blockRows).ToHaveCountAsync(blocks.Count);
        var firstBlock = blocks[0]!;
        await Assertions.Expect(blockRows.First).ToContainTextAsync((string)firstBlock["name"]!);
        await Assertions.Expect(blockRows.First.Locator("td.num")).ToHaveTextAsync(((int)firstBlock["tokens"]!).ToString("N0", CultureInfo.InvariantCulture));
        await blockRows.First.GetByText("Show text").ClickAsync();
        await Assertions.Expect(blockRows.First.Locator("pre")).ToBeVisibleAsync();

        await Assertions.Expect(detail.Locator("dt:has-text('Safety') + dd")).ToHaveTextAsync("None");
        var facts = detail.Locator("dl.facts").First;
        await Assertions.Expect(facts).ToContainTextAsync((string)runs.Answer["chatModel"]!);
        await Assertions.Expect(facts).ToContainTextAsync((string)runs.Answer["backendModel"]!);
        await Assertions.Expect(facts).ToContainTextAsync(((long)runs.Answer["inputTokens"]!).ToString("N0", CultureInfo.InvariantCulture) + " in");
        var time = detail.GetByRole(AriaRole.Term).Filter(new() { HasText = "Fetching" });
        await Assertions.Expect(time).ToBeVisibleAsync();
        await Assertions.Expect(detail.Locator("dt:has-text('Fetching') + dd")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,]* ms$"));
        await Assertions.Expect(detail.Locator("dt:has-text('Generating') + dd")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d[\d,]* ms$"));
        await Assertions.Expect(detail.Locator("dt:has-text('Delivering') + dd")).ToContainTextAsync(" ms");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "readme-response-explorer");

        // Linked by answer id, as the Playground does: both path forms and the query form.
        var answerId = (string)runs.Answer["answerId"]!;
        await page.GotoAsync($"{path}/answer/{answerId}");
        await Assertions.Expect(detail.GetByRole(AriaRole.Heading, new() { Name = $"Response {answerRunId}" })).ToBeVisibleAsync();
        await page.GotoAsync($"{path}/{answerId}");
        await Assertions.Expect(detail.GetByRole(AriaRole.Heading, new() { Name = $"Response {answerRunId}" })).ToBeVisibleAsync();
        await page.GotoAsync($"{path}?answer={answerId}");
        await Assertions.Expect(detail.GetByRole(AriaRole.Heading, new() { Name = $"Response {answerRunId}" })).ToBeVisibleAsync();
        await page.GotoAsync($"{path}/{answerRunId}");
        await Assertions.Expect(detail.GetByRole(AriaRole.List, new() { Name = "Reply parts" })).ToContainTextAsync(text);

        // Unknown runs and answers: a "not found" page (404), never a 500.
        foreach (var missing in new[] { $"{path}/999999", $"{path}/not-a-number", $"{path}/answer/ans_nope",
                     "/dashboard/projects/proj_nope/responses", "/dashboard/projects/proj_nope/usage" })
        {
            var response = await page.GotoAsync(missing);
            Assert.Equal(404, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found", Level = 1 })).ToBeVisibleAsync();
        }
        var beside = await page.GotoAsync($"{path}?run=424242");
        Assert.Equal(404, beside!.Status);
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(detail).ToContainTextAsync("Response 424242 does not exist");

        // Bad filters: a message at each field, a 400, no 500.
        var bad = await page.GotoAsync($"{path}?outcome=MAYBE&drop=LOST&stop=nope&test=perhaps&from=yesterday&until=2020-13-45&before=x");
        Assert.Equal(400, bad!.Status);
        foreach (var field in new[] { "outcome", "drop", "stop", "test", "from", "until" })
            await Assertions.Expect(page.Locator($"#f-{field}-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#f-test-error")).ToHaveTextAsync("Must be true or false.");
        await Assertions.Expect(page.GetByLabel("Test mode")).ToHaveAttributeAsync("aria-describedby", "f-test-error");
        await BrowserFixture.AssertAccessibleAsync(page);
        var backwards = await page.GotoAsync($"{path}?from=2030-01-02T00:00&until=2030-01-01T00:00");
        Assert.Equal(400, backwards!.Status);
        await Assertions.Expect(page.Locator("#f-until-error")).ToHaveTextAsync("Must be after From.");

        // Filters that match nothing say so; a project without runs says what to do.
        await page.GotoAsync($"{path}?user=nobody");
        await Assertions.Expect(page.GetByText("No responses match these filters")).ToBeVisibleAsync();
        var bare = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", new
        {
            name = "no runs", profileEndpointUrl = session.Customer.ProfileUrl, chatHistoryEndpointUrl = session.Customer.HistoryUrl,
            incomingContentEndpointUrl = session.Customer.IncomingUrl,
        }, 201);
        await page.GotoAsync($"/dashboard/projects/{(string)bare["id"]!}/responses");
        await Assertions.Expect(page.GetByText("No responses yet: enqueue a conversation or try the Playground.")).ToBeVisibleAsync();

        // A phone: the detail goes below the list and still passes axe.
        var phone = await session.SignedInPageAsync(browsers.Browser, $"{path}?run={answerRunId}", DashboardSession.Phone);
        await Assertions.Expect(phone.GetByRole(AriaRole.Heading, new() { Name = $"Response {answerRunId}" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(phone);
        await BrowserFixture.ScreenshotAsync(phone, "response-explorer-phone");

        // The admin API finds the run by answer id too.
        var byAnswer = await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{ProjectId}/answers/{answerId}/run");
        Assert.Equal(answerRunId, (long)byAnswer["run"]!["id"]!);
        await Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{ProjectId}/answers/ans_nope/run", expectedStatus: 404);
    }

    [Fact]
    public async Task Usage_shows_totals_charts_with_tables_and_downloads_the_same_numbers_as_csv()
    {
        await ProduceRunsAsync();
        var path = $"/dashboard/projects/{ProjectId}/usage";

        var page = await session.SignedInPageAsync(browsers.Browser, path);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Usage", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#total-answers")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#total-drops")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#total-drops-customer-endpoint-failed")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#total-drops-invalid-profile")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#total-drops-timeout")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#total-self-harm-runs")).ToHaveTextAsync("0");
        // Default: the last 7 days by the day.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await Assertions.Expect(page.GetByLabel("To (UTC, included)")).ToHaveValueAsync(today);
        await Assertions.Expect(page.GetByLabel("From (UTC)")).ToHaveValueAsync(DateTime.UtcNow.AddDays(-6).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

        // uPlot drew every chart (a canvas), and each chart's table holds its numbers.
        foreach (var chart in new[] { "answers", "drops", "tokens", "cost", "latency", "errors" })
            await Assertions.Expect(page.Locator($"#chart-{chart} canvas").First).ToBeAttachedAsync();
        var answersTable = page.GetByRole(AriaRole.Table, new() { Name = "Answers per day" });
        await Assertions.Expect(answersTable).ToBeHiddenAsync();
        await page.GetByText("Show as table: Answers").ClickAsync();
        await Assertions.Expect(answersTable.Locator("tbody tr")).ToHaveCountAsync(7);
        var todayRow = answersTable.Locator("tbody tr").Last;
        await Assertions.Expect(todayRow.Locator("th")).ToHaveTextAsync(today);
        await Assertions.Expect(todayRow.Locator("td")).ToHaveTextAsync("1");
        await page.GetByText("Show as table: Drops by reason").ClickAsync();
        var dropsRow = page.GetByRole(AriaRole.Table, new() { Name = "Drops by reason per day" }).Locator("tbody tr").Last;
        await Assertions.Expect(dropsRow.Locator("td")).ToHaveTextAsync(["0", "0", "1", "0"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "usage");

        // The CSV link downloads the same series: a header line and the same totals.
        var link = page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" });
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal("start", header[0]);
        Assert.Equal(8, lines.Length);
        long Sum(string column) => lines.Skip(1).Sum(l => long.Parse(l.Split(',')[Array.IndexOf(header, column)], CultureInfo.InvariantCulture));
        Assert.Equal(1, Sum("answers"));
        Assert.Equal(1, Sum("drops_customer_endpoint_failed"));
        Assert.Equal(0, Sum("drops_invalid_profile"));
        var response = await page.Context.APIRequest.GetAsync((await link.GetAttributeAsync("href"))!);
        Assert.Equal(200, response.Status);
        Assert.StartsWith("text/csv", response.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal(csv, await response.TextAsync());

        // The CSV needs the session like any dashboard page.
        using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress })
        using (var refused = await anonymous.GetAsync($"/dashboard/projects/{ProjectId}/usage.csv", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Contains("/dashboard/sign-in", refused.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        // By the hour: the same totals, one row per hour.
        await page.GetByLabel("Points").SelectOptionAsync("hour");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        Assert.Contains("granularity=hour", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#total-answers")).ToHaveTextAsync("1");
        await page.GetByText("Show as table: Answers").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Answers per hour" }).Locator("tbody tr")).ToHaveCountAsync(7 * 24);

        // Bad ranges: messages at the fields (400), and the CSV route answers a problem naming them.
        var bad = await page.GotoAsync($"{path}?from=last-week&granularity=week");
        Assert.Equal(400, bad!.Status);
        await Assertions.Expect(page.Locator("#f-from-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#f-granularity-error")).ToHaveTextAsync("Must be hour or day.");
        await BrowserFixture.AssertAccessibleAsync(page);
        var backwards = await page.GotoAsync($"{path}?from=2030-01-02&to=2030-01-01");
        Assert.Equal(400, backwards!.Status);
        await Assertions.Expect(page.Locator("#f-to-error")).ToBeVisibleAsync();
        var tooLong = await page.GotoAsync($"{path}?from=2024-01-01&to=2024-03-01&granularity=hour");
        Assert.Equal(400, tooLong!.Status);
        await Assertions.Expect(page.Locator("#f-from-error")).ToContainTextAsync("at most 31 days");
        var csvProblem = await page.Context.APIRequest.GetAsync($"/dashboard/projects/{ProjectId}/usage.csv?granularity=week");
        Assert.Equal(400, csvProblem.Status);
        Assert.Contains("granularity", await csvProblem.TextAsync(), StringComparison.Ordinal);

        // A range without usage says what to do, and draws no charts.
        await page.GotoAsync($"{path}?from=2020-01-01&to=2020-01-07");
        await Assertions.Expect(page.GetByText("No usage in this range")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("canvas")).ToHaveCountAsync(0);

        var phone = await session.SignedInPageAsync(browsers.Browser, path, DashboardSession.Phone);
        await Assertions.Expect(phone.Locator("#chart-answers canvas").First).ToBeAttachedAsync();
        await BrowserFixture.AssertAccessibleAsync(phone);
        await BrowserFixture.ScreenshotAsync(phone, "usage-phone");
    }
}
